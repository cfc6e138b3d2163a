package teallama;

import java.nio.charset.StandardCharsets;

/**
 * run.c's generate mode, one token per {@link #next()} so a caller can stream the pieces and stop
 * between any two tokens: the prompt's tokens are forced, then tokens are sampled until BOS (the
 * delimiter between stories) comes up or the steps run out.
 *
 * <p>Two additions, both off unless asked for. Inspecting keeps the candidates of each step
 * ({@link #candidates()}). Keeping lets a story run past the context window: when every
 * position is used and steps are left, the last {@code keep} tokens run again at positions
 * 0..keep-1 (their new keys and values overwrite the cache, and attention reads only positions
 * up to the current one) and sampling goes on from position keep with the same random numbers.
 */
public final class Generator {
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final Inspector inspector; // null unless inspecting
    private final int[] promptTokens;
    private final int steps;
    private final int keep;            // tokens kept when the context is full; 0 = stop there, as run.c
    private final int[] context;       // (positions,) the token run at each position, for keeping
    private int token;   // the token at position pos, to be fed to the transformer next
    private int pos;     // position in the transformer's context
    private int step;    // positions run in all: run.c's pos, counting on past each shift
    private int rerun = -1; // the next kept token to run again while the context shifts, or -1
    private boolean done;
    // the last step
    private int chosen;                      // the token that came next
    private boolean forced;                  // it came from the prompt
    private Inspector.Candidates candidates; // what the model offered, when inspecting
    private float[] logits;                  // as the sampler left them

    /** run.c's generate: steps must already be clamped ({@link #clampSteps}) and at most transformer.positions(). */
    public Generator(Transformer transformer, Tokenizer tokenizer, Sampler sampler, String prompt, int steps) {
        this(transformer, tokenizer, sampler, prompt.getBytes(StandardCharsets.UTF_8), steps, 0, false);
    }

    /**
     * The prompt is bytes, as run.c takes them (a NUL ends it). With keep 0, steps must be at
     * most transformer.positions(); steps may exceed it when keep is below it.
     */
    public Generator(Transformer transformer, Tokenizer tokenizer, Sampler sampler, byte[] prompt, int steps,
                     int keep, boolean inspect) {
        if (keep == 0) {
            checkSteps(transformer, steps);
        } else if (keep < 0 || (steps > transformer.positions() && keep >= transformer.positions())) {
            throw new IllegalArgumentException("keep must be within [0, " + (transformer.positions() - 1)
                    + "], found " + keep);
        }
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.inspector = inspect ? new Inspector(sampler, tokenizer.vocabSize()) : null;
        transformer.sumExponentials(inspect && sampler.greedy());
        this.steps = steps;
        this.keep = keep;
        this.context = keep > 0 ? new int[transformer.positions()] : null;
        // encode the (string) prompt into tokens sequence
        this.promptTokens = tokenizer.encode(prompt, true, false);
        // kick off with the first token in the prompt
        this.token = promptTokens[0];
    }

    static void checkSteps(Transformer transformer, int steps) {
        if (steps > transformer.positions()) {
            throw new IllegalArgumentException("steps " + steps + " exceed the " + transformer.positions()
                    + " positions of the transformer");
        }
    }

    /** run.c's rule: negative steps count as 0, and 0 or more than seq_len mean seq_len. */
    public static int clampSteps(int steps, int seqLen) {
        return steps <= 0 || steps > seqLen ? seqLen : steps;
    }

    /**
     * Runs one position and returns the piece to show after it, in run.c's bytes (see
     * {@link Tokenizer#decode}; it may be empty), or null when the story has ended.
     *
     * @throws GenerationException when the logits are not finite
     */
    public byte[] next() {
        if (done || step >= steps) {
            done = true;
            return null;
        }
        while (rerunKeptToken()) {
            // the kept tokens run again before the step's own position
        }
        if (context != null) {
            context[pos] = token;
        }
        // forward the transformer to get logits for the next token (the shards take softmax's
        // numerators where the sampler or the inspector will use them)
        forced = step < promptTokens.length - 1;
        transformer.exponentiateAt(forced && inspector == null ? 0.0f : sampler.temperature());
        logits = transformer.forward(token, pos);
        float exponentiatedAt = checkedForward(transformer, logits, step);

        // advance the state machine
        int next;
        if (forced) {
            // if we are still processing the input prompt, force the next prompt token
            next = promptTokens[step + 1];
            if (inspector != null) {
                candidates = inspect(sampler.toProbabilities(logits, exponentiatedAt), next, true);
            }
        } else {
            // otherwise sample the next token from the logits
            int greedyToken = sampler.toProbabilities(logits, exponentiatedAt);
            next = sampler.choose(logits, greedyToken);
            if (inspector != null) {
                candidates = inspect(greedyToken, next, false);
            }
        }
        chosen = next;
        pos++;
        step++;

        // data-dependent terminating condition: the BOS (=1) token delimits sequences
        if (next == Tokenizer.BOS) {
            done = true;
            return null;
        }
        byte[] piece = tokenizer.decode(token, next);
        token = next;
        return piece;
    }

    /**
     * When the context is full, the newest keep tokens stay, the last of them being the token
     * about to run. The others run again at positions 0..keep-2 (their logits are not needed), and
     * the newest then runs at keep-1, so sampling goes on from position keep. Each call runs one
     * of them and returns true, or returns false when none is left to run: {@link #next()} runs
     * those left itself, and a caller that must answer between forward passes (the page's Stop,
     * while a model of 1024 positions runs 1023 of them) calls this first until it returns false.
     */
    public boolean rerunKeptToken() {
        if (isDone()) {
            return false;
        }
        if (rerun < 0) {
            if (pos != transformer.positions()) {
                return false;
            }
            System.arraycopy(context, pos - (keep - 1), context, 0, keep - 1);
            rerun = 0;
        }
        boolean ran = rerun < keep - 1;
        if (ran) {
            transformer.exponentiateAt(0.0f);
            transformer.forward(context[rerun], rerun);
            rerun++;
        }
        if (rerun == keep - 1) {
            pos = keep - 1;
            rerun = -1;
        }
        return ran;
    }

    /**
     * After the transformer's forward() into logits: the temperature at which it took softmax's
     * numerators ({@link Transformer#exponentiatedAt}), once logits that are not finite have been
     * refused. run.c samples from NaN probabilities (or reads out of bounds); a story here ends
     * instead. Where the shards took the numerators, they checked their own logits.
     */
    static float checkedForward(Transformer transformer, float[] logits, int step) {
        float exponentiatedAt = transformer.exponentiatedAt();
        if (exponentiatedAt == 0.0f) {
            int bad = Kernels.firstNonFinite(logits, 0, logits.length);
            if (bad >= 0) {
                throw new GenerationException("the model's logits at position " + step + " are not finite (token "
                        + bad + "'s is " + logits[bad] + "): its weights hold NaN or infinity, or its sums overflow");
            }
        }
        return exponentiatedAt;
    }

    /** Steps run so far (run.c's pos; past the context window it goes on counting). */
    public int position() {
        return step;
    }

    /** How many steps this story may take. */
    public int steps() {
        return steps;
    }

    public int promptLength() {
        return promptTokens.length;
    }

    public boolean isDone() {
        return done || step >= steps;
    }

    /** The token the last step chose (BOS when it ended the story); its place in the story is {@link #position()}. */
    public int token() {
        return chosen;
    }

    /** Whether the prompt forced the last step's token. */
    public boolean forced() {
        return forced;
    }

    /**
     * The candidates of this step. Where the largest logit won (greedyToken, -1 otherwise), the
     * inspector needs the sum of the exponentials of the logits: the transformer's shards summed
     * them at temperature 0; above it, the largest logit wins only when dividing it by the
     * temperature overflows, and the sum is taken here.
     */
    private Inspector.Candidates inspect(int greedyToken, int next, boolean forced) {
        float softmaxSum = Float.NaN;
        if (greedyToken >= 0) {
            softmaxSum = transformer.sumsExponentials() ? transformer.softmaxSum()
                    : Kernels.sumOfExp(logits, logits.length, logits[greedyToken]);
        }
        return inspector.inspect(logits, greedyToken, softmaxSum, next, forced);
    }

    /** What the model offered at the last step, or null when not inspecting. */
    public Inspector.Candidates candidates() {
        return candidates;
    }

    /** The last step's logits as the sampler left them (the logits themselves at temperature 0). */
    float[] logits() {
        return logits;
    }
}

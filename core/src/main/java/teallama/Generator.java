package teallama;

/**
 * run.c's generate mode, one token per {@link #next()} so a caller can stream the pieces and stop
 * between any two tokens: the prompt's tokens are forced, then tokens are sampled until BOS (the
 * delimiter between stories) comes up or the steps run out.
 */
public final class Generator {
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final int[] promptTokens;
    private final int steps;
    private int token;   // the token at position pos, to be fed to the transformer next
    private int pos;     // position in the sequence
    private boolean done;

    /**
     * steps must already be clamped ({@link #clampSteps}) and at most transformer.positions().
     */
    public Generator(Transformer transformer, Tokenizer tokenizer, Sampler sampler, String prompt, int steps) {
        checkSteps(transformer, steps);
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.steps = steps;
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
     */
    public byte[] next() {
        if (done || pos >= steps) {
            done = true;
            return null;
        }
        // forward the transformer to get logits for the next token
        float[] logits = transformer.forward(token, pos);

        // advance the state machine
        int next;
        if (pos < promptTokens.length - 1) {
            // if we are still processing the input prompt, force the next prompt token
            next = promptTokens[pos + 1];
        } else {
            // otherwise sample the next token from the logits
            next = sampler.sample(logits);
        }
        pos++;

        // data-dependent terminating condition: the BOS (=1) token delimits sequences
        if (next == Tokenizer.BOS) {
            done = true;
            return null;
        }
        byte[] piece = tokenizer.decode(token, next);
        token = next;
        return piece;
    }

    /** Positions run so far. */
    public int position() {
        return pos;
    }

    /** How many positions this story may take. */
    public int steps() {
        return steps;
    }

    public int promptLength() {
        return promptTokens.length;
    }

    public boolean isDone() {
        return done || pos >= steps;
    }
}

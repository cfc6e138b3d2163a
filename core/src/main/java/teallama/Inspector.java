package teallama;

/**
 * What the model offered at one position: the most probable tokens after temperature, which one
 * came next, and which ones top-p would not draw. It reads what the sampler already computed
 * (the probabilities that {@link Sampler#toProbabilities} leaves in place of the logits), so
 * inspecting a story changes neither its tokens nor its random numbers.
 */
public final class Inspector {
    public static final int ROWS = 10;

    private final Sampler sampler;
    private final int vocabSize;

    public Inspector(Sampler sampler, int vocabSize) {
        this.sampler = sampler;
        this.vocabSize = vocabSize;
    }

    /** The candidates of one position, most probable first. */
    public record Candidates(
            boolean greedy,         // the largest logit won: probabilities are those of temperature 1
            int[] tokens,           // (rows,) token ids
            float[] probabilities,  // (rows,) in descending order
            boolean[] cut,          // (rows,) top-p would not draw it
            int chosenRow) {        // the row of the token that came next, sampled or forced

        public int rows() {
            return tokens.length;
        }
    }

    /**
     * values is what {@link Sampler#toProbabilities} left: the probabilities, or the logits when
     * it returned greedyToken, the largest logit's (-1 otherwise). softmaxSum is then the sum of
     * exp(logit - largest logit) over all logits (see {@link Transformer#softmaxSum}), as the
     * probabilities shown are those of temperature 1. chosen is the token that came next; forced
     * when the prompt gave it, rather than the sampler. If chosen is not among the most probable
     * rows, it takes the last row, so the rows stay in descending order and include it.
     */
    public Candidates inspect(float[] values, int greedyToken, float softmaxSum, int chosen, boolean forced) {
        boolean greedy = greedyToken >= 0;
        int rows = Math.min(ROWS, vocabSize);
        int[] tokens = new int[rows];
        float[] probabilities = new float[rows];
        largest(values, tokens, probabilities);
        // softmax at temperature 1, as Kernels.softmax computes it, for the rows only
        float max = greedy ? values[greedyToken] : 0.0f;
        if (greedy) {
            for (int r = 0; r < rows; r++) {
                probabilities[r] = FloatMath.expf(probabilities[r] - max) / softmaxSum;
            }
        }
        boolean[] cut = new boolean[rows];
        boolean toppCuts = !greedy && sampler.usesTopp();
        float cutoff = 0.0f;
        boolean pastNucleus = false;
        if (toppCuts) {
            cutoff = nucleusCutoff(probabilities[0]);
            pastNucleus = markCut(probabilities, cut, cutoff);
        }
        int chosenRow = indexOf(tokens, chosen);
        if (chosenRow < 0) {
            chosenRow = rows - 1;
            tokens[chosenRow] = chosen;
            probabilities[chosenRow] = greedy ? FloatMath.expf(values[chosen] - max) / softmaxSum : values[chosen];
            // a sampled token is in the nucleus by construction; a forced one may not be
            cut[chosenRow] = toppCuts && forced
                    && (values[chosen] < cutoff || pastNucleus || !sampler.inNucleus(values, chosen));
        }
        return new Candidates(greedy, tokens, probabilities, cut, chosenRow);
    }

    /** The rows most probable first into tokens and top, ties in id order, as the sampler's stable sort has them. */
    private void largest(float[] values, int[] tokens, float[] top) {
        int rows = tokens.length;
        int count = 0;
        int i = 0;
        for (; count < rows; i++) {
            count = offer(values[i], i, count, tokens, top);
        }
        // most values fall below the last row: four values a branch (in WebAssembly a branch per
        // value costs more than the comparisons), the bar kept in a local
        float last = top[rows - 1];
        for (; i + 4 <= vocabSize; i += 4) {
            if (values[i] > last | values[i + 1] > last | values[i + 2] > last | values[i + 3] > last) {
                for (int k = i; k < i + 4; k++) {
                    if (values[k] > last) {
                        offer(values[k], k, count, tokens, top);
                        last = top[rows - 1];
                    }
                }
            }
        }
        for (; i < vocabSize; i++) {
            if (values[i] > last) {
                offer(values[i], i, count, tokens, top);
                last = top[rows - 1];
            }
        }
    }

    /**
     * Puts token, with value v, among the count rows so far: v is above the last row's, or the
     * rows are not full. Returns the new count.
     */
    private static int offer(float v, int token, int count, int[] tokens, float[] top) {
        int rows = tokens.length;
        int at = count < rows ? count++ : rows - 1;
        while (at > 0 && top[at - 1] < v) {
            top[at] = top[at - 1];
            tokens[at] = tokens[at - 1];
            at--;
        }
        top[at] = v;
        tokens[at] = token;
        return count;
    }

    /** The sampler's cutoff, or 0 when not even the largest probability reaches it. */
    private float nucleusCutoff(float largest) {
        float cutoff = sampler.toppCutoff();
        return largest >= cutoff ? cutoff : 0.0f;
    }

    /**
     * Marks the rows top-p cuts: below the cutoff, or past lastIdx, where the cumulative
     * probability, summed in the sampler's order, first exceeds top-p. Returns whether lastIdx
     * is among the rows, so every less probable token is cut too.
     */
    private boolean markCut(float[] probabilities, boolean[] cut, float cutoff) {
        float cumulativeProb = 0.0f;
        boolean past = false;
        for (int r = 0; r < probabilities.length; r++) {
            if (past || probabilities[r] < cutoff) {
                cut[r] = true;
                continue;
            }
            cumulativeProb += probabilities[r];
            past = cumulativeProb > sampler.topp();
        }
        return past;
    }

    private static int indexOf(int[] tokens, int token) {
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r] == token) {
                return r;
            }
        }
        return -1;
    }
}

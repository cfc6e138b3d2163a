package teallama;

/**
 * run.c's sampler: greedy argmax at temperature 0; otherwise softmax of logits / temperature and
 * one coin flip from xorshift64*, used for plain multinomial sampling when top-p is outside
 * (0, 1) and for top-p (nucleus) sampling inside it.
 */
public final class Sampler {
    private final int vocabSize;
    private final float temperature;
    private final float topp;
    private long rngState;
    private final int[] candidates; // top-p: token ids, sorted by probability
    private final int[] mergeBuffer;

    /** rngSeed is used as run.c uses it: as an unsigned 64-bit state that must not be 0. */
    public Sampler(int vocabSize, float temperature, float topp, long rngSeed) {
        this.vocabSize = vocabSize;
        this.temperature = temperature;
        this.topp = topp;
        this.rngState = rngSeed;
        this.candidates = new int[vocabSize];
        this.mergeBuffer = new int[vocabSize];
    }

    public int sample(float[] logits) {
        // sample the token given the logits and some hyperparameters
        if (temperature == 0.0f) {
            // greedy argmax sampling: take the token with the highest probability
            return sampleArgmax(logits, vocabSize);
        }
        // apply the temperature to the logits
        for (int q = 0; q < vocabSize; q++) {
            logits[q] /= temperature;
        }
        // apply softmax to the logits to get the probabilities for next token
        Kernels.softmax(logits, 0, vocabSize);
        // flip a (float) coin (this is our source of entropy for sampling)
        float coin = randomF32();
        // we sample from this distribution to get the next token
        if (topp <= 0 || topp >= 1) {
            // simply sample from the predicted probability distribution
            return sampleMult(logits, vocabSize, coin);
        }
        // top-p (nucleus) sampling, clamping the least likely tokens to zero
        return sampleTopp(logits, vocabSize, topp, coin);
    }

    // ----------------------------------------------------------------------------
    // xorshift64* (https://en.wikipedia.org/wiki/Xorshift#xorshift*), as run.c: unsigned shifts

    public int randomU32() {
        rngState ^= rngState >>> 12;
        rngState ^= rngState << 25;
        rngState ^= rngState >>> 27;
        return (int) ((rngState * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** A random float32 in [0,1). */
    public float randomF32() {
        return (randomU32() >>> 8) / 16777216.0f;
    }

    // ----------------------------------------------------------------------------
    // sampling kernels

    /** The index that has the highest probability; the first one on ties. */
    public static int sampleArgmax(float[] probabilities, int n) {
        int maxI = 0;
        float maxP = probabilities[0];
        for (int i = 1; i < n; i++) {
            if (probabilities[i] > maxP) {
                maxI = i;
                maxP = probabilities[i];
            }
        }
        return maxI;
    }

    /** Samples an index from probabilities (they must sum to 1) with coin in [0,1). */
    public static int sampleMult(float[] probabilities, int n, float coin) {
        float cdf = 0.0f;
        for (int i = 0; i < n; i++) {
            cdf += probabilities[i];
            if (coin < cdf) {
                return i;
            }
        }
        return n - 1; // in case of rounding errors
    }

    /**
     * Top-p (nucleus) sampling: samples from the smallest set of tokens whose probability
     * exceeds topp, so very unlikely tokens are never drawn.
     */
    private int sampleTopp(float[] probabilities, int n, float topp, float coin) {
        // values smaller than (1 - topp) / (n - 1) cannot be part of the result,
        // so for efficiency they are cropped out as candidates before sorting
        float cutoff = (1.0f - topp) / (n - 1);
        int n0 = 0;
        for (int i = 0; i < n; i++) {
            if (probabilities[i] >= cutoff) {
                candidates[n0++] = i;
            }
        }
        sortByProbabilityDescending(candidates, n0, probabilities);

        // truncate the list where cumulative probability exceeds topp
        float cumulativeProb = 0.0f;
        int lastIdx = n0 - 1; // in case of rounding errors consider all elements
        for (int i = 0; i < n0; i++) {
            cumulativeProb += probabilities[candidates[i]];
            if (cumulativeProb > topp) {
                lastIdx = i;
                break; // we've exceeded topp by including lastIdx
            }
        }

        // sample from the truncated list
        float r = coin * cumulativeProb;
        float cdf = 0.0f;
        for (int i = 0; i <= lastIdx; i++) {
            cdf += probabilities[candidates[i]];
            if (r < cdf) {
                return candidates[i];
            }
        }
        return candidates[lastIdx]; // in case of rounding errors
    }

    /**
     * A stable merge sort, as glibc's qsort is for this size (equal probabilities keep id order),
     * so ties are broken exactly as in run.c.
     */
    private void sortByProbabilityDescending(int[] ids, int n, float[] probabilities) {
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    mergeBuffer[k++] = probabilities[ids[j]] > probabilities[ids[i]] ? ids[j++] : ids[i++];
                }
                while (i < mid) {
                    mergeBuffer[k++] = ids[i++];
                }
                while (j < hi) {
                    mergeBuffer[k++] = ids[j++];
                }
                System.arraycopy(mergeBuffer, lo, ids, lo, hi - lo);
            }
        }
    }
}

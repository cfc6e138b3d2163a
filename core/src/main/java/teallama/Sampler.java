package teallama;

/**
 * run.c's sampler: greedy argmax at temperature 0; otherwise softmax of logits / temperature and
 * one coin flip from xorshift64*, used for plain multinomial sampling when top-p is outside
 * (0, 1) and for top-p (nucleus) sampling inside it.
 *
 * <p>Where run.c's arithmetic breaks down, the outcome here is defined: a temperature so small
 * that the largest logit / temperature overflows takes the largest logit (run.c's probabilities
 * are then all NaN), and a top-p so small that no probability reaches run.c's cutoff considers
 * every token (run.c reads before its array). Logits that are not finite are the caller's to
 * refuse ({@link Kernels#firstNonFinite}); {@link Generator} and {@link Chat} end the story there.
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

    /**
     * run.c's sample(): the next token from logits, which must be finite (see
     * {@link Kernels#firstNonFinite}); the array is left as {@link #toProbabilities} leaves it.
     * Generator and Chat take its two halves apart (the shards may have taken softmax's
     * numerators); tests drive it whole as the reference.
     */
    public int sample(float[] logits) {
        return choose(logits, toProbabilities(logits));
    }

    /**
     * What sample() does before its coin. At temperature 0 it returns the token of the largest
     * logit and leaves logits as they are. Otherwise it applies the temperature and the softmax
     * in place and returns -1, unless the largest logit divided by the temperature overflows to
     * infinity (of either sign): run.c's softmax would then make every probability NaN (and its
     * top-p read before its array), so the largest logit wins, as at temperature 0, and its
     * token is returned with logits left as they are.
     */
    public int toProbabilities(float[] logits) {
        if (temperature == 0.0f) {
            // greedy argmax sampling: take the token with the highest probability
            return sampleArgmax(logits, vocabSize);
        }
        int largest = sampleArgmax(logits, vocabSize);
        if (Float.isInfinite(logits[largest] / temperature)) {
            return largest;
        }
        // apply the temperature to the logits
        for (int q = 0; q < vocabSize; q++) {
            logits[q] /= temperature;
        }
        // apply softmax to the logits to get the probabilities for next token
        Kernels.softmax(logits, 0, vocabSize);
        return -1;
    }

    /**
     * {@link #toProbabilities(float[])} for what a transformer's forward() returned: where it left
     * softmax's numerators at this sampler's temperature ({@link Transformer#exponentiatedAt},
     * 0 where it left the logits), run.c's softmax from there on: the numerators added in order,
     * then each divided by their sum.
     */
    public int toProbabilities(float[] logits, float exponentiatedAt) {
        if (exponentiatedAt == 0.0f) {
            return toProbabilities(logits);
        }
        if (exponentiatedAt != temperature) {
            throw new IllegalArgumentException("softmax's numerators were taken at temperature " + exponentiatedAt
                    + ", the sampler's is " + temperature);
        }
        Kernels.normalize(logits, 0, vocabSize);
        return -1;
    }

    /**
     * What sample() does after {@link #toProbabilities}, given what it returned: above
     * temperature 0 it flips one coin, as run.c does at every sampled position, then returns the
     * greedy token if there is one, else draws from the probabilities.
     */
    public int choose(float[] probabilities, int greedyToken) {
        if (temperature == 0.0f) {
            return greedyToken;
        }
        // flip a (float) coin (this is our source of entropy for sampling)
        float coin = randomF32();
        if (greedyToken >= 0) {
            return greedyToken;
        }
        // we sample from this distribution to get the next token
        if (!usesTopp()) {
            // simply sample from the predicted probability distribution
            return sampleMult(probabilities, vocabSize, coin);
        }
        // top-p (nucleus) sampling, clamping the least likely tokens to zero
        return sampleTopp(probabilities, coin);
    }

    /** The temperature the logits are divided by; 0 takes the largest. */
    public float temperature() {
        return temperature;
    }

    /** Whether the largest logit always wins: temperature 0. */
    public boolean greedy() {
        return temperature == 0.0f;
    }

    /** Whether top-p is in (0, 1), where it cuts; outside, every token can be drawn. */
    public boolean usesTopp() {
        return topp > 0 && topp < 1;
    }

    public float topp() {
        return topp;
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

    /** The index that has the highest probability; the first one on ties ({@link Kernels#argmax}). */
    public static int sampleArgmax(float[] probabilities, int n) {
        return Kernels.argmax(probabilities, 0, n);
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
    private int sampleTopp(float[] probabilities, float coin) {
        int lastIdx = nucleus(probabilities);
        float cumulativeProb = 0.0f;
        for (int i = 0; i <= lastIdx; i++) {
            cumulativeProb += probabilities[candidates[i]];
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

    /** Whether top-p could draw token from these probabilities (it is in the nucleus). */
    public boolean inNucleus(float[] probabilities, int token) {
        int lastIdx = nucleus(probabilities);
        for (int i = 0; i <= lastIdx; i++) {
            if (candidates[i] == token) {
                return true;
            }
        }
        return false;
    }

    /**
     * run.c's probabilities below which top-p never draws: (1 - topp) / (n - 1). When not even
     * the largest probability reaches it (a flat distribution and a small top-p), run.c finds
     * no candidate and reads before its array; here every token is then a candidate, which is
     * what top-p without the cutoff does.
     */
    public float toppCutoff() {
        return (1.0f - topp) / (vocabSize - 1);
    }

    /**
     * Fills candidates with the tokens top-p considers, in descending order of probability, and
     * returns lastIdx: candidates[0..lastIdx] is the nucleus, the fewest whose cumulative
     * probability exceeds topp (all of them if rounding keeps the sum below).
     */
    private int nucleus(float[] probabilities) {
        int n = vocabSize;
        // values smaller than (1 - topp) / (n - 1) cannot be part of the result,
        // so for efficiency they are cropped out as candidates before sorting
        float cutoff = toppCutoff();
        int n0 = 0;
        for (int i = 0; i < n; i++) {
            if (probabilities[i] >= cutoff) {
                candidates[n0++] = i;
            }
        }
        if (n0 == 0) {
            for (int i = 0; i < n; i++) {
                candidates[i] = i;
            }
            n0 = n;
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
        return lastIdx;
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

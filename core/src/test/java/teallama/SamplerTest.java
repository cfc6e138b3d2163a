package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    /**
     * First draws of run.c's random_u32 and random_f32. Computed with a C transcription of those
     * two functions (gcc, unsigned long long state) and, independently, with Python integers
     * masked to 64 bits; both agree. Seed -7 is what run.c makes of "-s -7": atoi gives the int
     * -7, stored as the unsigned 64-bit 18446744073709551609.
     */
    @Test
    void xorshiftMatchesRunC() {
        assertDraws(1, 1206177355L, 2882512552L, 3117485455L, 1303648416L, 241277360L);
        assertDraws(42, 1456360119L, 3359763283L, 3393612768L, 4054632243L, 3283045847L);
        assertDraws(133742, 3033531262L, 2674377904L, 2312864567L, 2287415643L, 1408443089L);
        assertDraws(-7, 777871233L, 3583622156L, 3093992388L, 3406047025L, 235529796L);
        assertDraws(4294967295L, 2486590600L, 1092783956L, 47748232L, 3246679219L, 3259288394L);
    }

    @Test
    void randomFloatsMatchRunC() {
        Sampler sampler = new Sampler(4, 1.0f, 0.9f, 1);
        // (u32 >> 8) / 2^24 for the draws above: 1206177355 >> 8 = 4711630, / 16777216
        assertEquals(0.28083503246307373f, sampler.randomF32());
        assertEquals(0.6711372137069702f, sampler.randomF32());
        assertEquals(0.7258461117744446f, sampler.randomF32());
    }

    private static void assertDraws(long seed, long... expected) {
        Sampler sampler = new Sampler(4, 1.0f, 0.9f, seed);
        for (long e : expected) {
            assertEquals(e, Integer.toUnsignedLong(sampler.randomU32()));
        }
    }

    @Test
    void argmaxTakesTheFirstOfTiedMaxima() {
        assertEquals(1, Sampler.sampleArgmax(new float[] {0.1f, 0.4f, 0.4f, 0.1f}, 4));
        assertEquals(2, Sampler.sampleArgmax(new float[] {0.1f, 0.2f, 0.4f, 0.4f}, 4));
        assertEquals(3, Sampler.sampleArgmax(new float[] {-3f, -2f, -5f, -1f}, 4));
        assertEquals(0, Sampler.sampleArgmax(new float[] {7f, 1f, 7f, 7f, 7f}, 5));
        assertEquals(0, Sampler.sampleArgmax(new float[] {2f}, 1));
        assertEquals(0, Sampler.sampleArgmax(new float[] {-0.0f, 0.0f, -1f}, 3));
        // a NaN is passed over, unless it comes first: nothing is larger than it then
        assertEquals(2, Sampler.sampleArgmax(new float[] {1f, Float.NaN, 3f, Float.NaN}, 4));
        assertEquals(0, Sampler.sampleArgmax(new float[] {Float.NaN, 1f, 3f}, 3));
    }

    @Test
    void argmaxFindsTheMaximumWhereverItIs() {
        // every length up to 9, the maximum at every place, a tie for it at every later place
        for (int n = 1; n <= 9; n++) {
            for (int at = 0; at < n; at++) {
                for (int tie = at; tie < n; tie++) {
                    float[] p = new float[n];
                    for (int i = 0; i < n; i++) {
                        p[i] = -i;
                    }
                    p[at] = 5f;
                    p[tie] = 5f;
                    assertEquals(at, Sampler.sampleArgmax(p, n), "n " + n + ", maximum at " + at + " and " + tie);
                }
            }
        }
    }

    @Test
    void multinomialWalksTheCdf() {
        float[] p = {0.25f, 0.5f, 0.125f, 0.125f}; // cdf 0.25, 0.75, 0.875, 1
        assertEquals(0, Sampler.sampleMult(p, 4, 0.0f));
        assertEquals(0, Sampler.sampleMult(p, 4, 0.2499f));
        assertEquals(1, Sampler.sampleMult(p, 4, 0.25f));
        assertEquals(2, Sampler.sampleMult(p, 4, 0.75f));
        assertEquals(3, Sampler.sampleMult(p, 4, 0.99f));
    }

    @Test
    void temperatureZeroIsArgmaxAndDrawsNothing() {
        Sampler sampler = new Sampler(3, 0.0f, 0.9f, 1);
        assertEquals(2, sampler.sample(new float[] {1f, 2f, 3f}));
        assertEquals(1206177355L, Integer.toUnsignedLong(sampler.randomU32()), "the rng was not touched");
    }

    /**
     * Top-p by hand. Logits ln(0.5), ln(0.3), ln(0.15), ln(0.05) at temperature 1 give those
     * probabilities (within a float ulp). Sorted descending, the cumulative sum first exceeds
     * topp = 0.7 at the second token (0.8), so only ids 0 and 1 can be drawn, with r = coin * 0.8:
     * coin 0.28083503 (seed 1's first draw) gives r = 0.2247 < 0.5, id 0; seed 42's coin 0.33908522
     * gives r = 0.2713, id 0; seed 133742's coin 0.70629901 gives r = 0.5650 >= 0.5, id 1.
     */
    @Test
    void toppSamplesTheNucleus() {
        assertEquals(0, toppSample(1));
        assertEquals(0, toppSample(42));
        assertEquals(1, toppSample(133742));
    }

    private static int toppSample(long seed) {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        return new Sampler(4, 1.0f, 0.7f, seed).sample(logits);
    }

    /**
     * Equal probabilities keep id order in the sort (glibc's qsort is a stable merge sort here).
     * Ids 1, 2, 3 share 0.3 and id 0 has 0.1; topp 0.5 keeps the first two in sorted order, ids 1
     * and 2, and r = coin * 0.6: coin 0.7062990 gives r = 0.4238 >= 0.3, so id 2; an unstable
     * sort could have put id 3 there.
     */
    @Test
    void toppBreaksTiesByIdOrder() {
        float[] logits = {(float) Math.log(0.1), (float) Math.log(0.3), (float) Math.log(0.3), (float) Math.log(0.3)};
        assertEquals(2, new Sampler(4, 1.0f, 0.5f, 133742).sample(logits));
    }

    /**
     * 30 / 1e-38 overflows float, so run.c's softmax makes every probability NaN and its top-p
     * finds no candidate. Here the largest logit wins (id 1), and the one coin of the position is
     * still drawn, so the random numbers stay run.c's.
     */
    @Test
    void temperatureSoSmallThatLogitsOverflowIsGreedy() {
        for (float topp : new float[] {0.9f, 1.0f, 0.0f}) {
            Sampler sampler = new Sampler(3, 1e-38f, topp, 1);
            float[] logits = {10f, 30f, 20f};
            assertEquals(1, sampler.sample(logits), "top-p " + topp);
            assertArrayEquals(new float[] {10f, 30f, 20f}, logits, "the logits are left as they were");
            assertEquals(2882512552L, Integer.toUnsignedLong(sampler.randomU32()), "seed 1's second draw comes next");
        }
        // all logits negative: every one overflows to -infinity, and the largest still wins
        assertEquals(0, new Sampler(3, 1e-38f, 0.9f, 1).sample(new float[] {-10f, -30f, -20f}));
        // the same logits at a temperature where they do not overflow are sampled as usual
        assertEquals(1, new Sampler(3, 1e-30f, 0.9f, 1).sample(new float[] {10f, 30f, 20f}));
    }

    /**
     * Four equal probabilities (0.25) and top-p 0.1: run.c's cutoff (1 - 0.1) / 3 = 0.3 crops
     * every token and it reads before its array. Without the crop, the sorted list (ids in order,
     * the sort is stable) exceeds 0.1 at its first token, so the nucleus is id 0 alone.
     */
    @Test
    void toppWithNoTokenAboveTheCutoffConsidersAll() {
        assertEquals(0, new Sampler(4, 1.0f, 0.1f, 1).sample(new float[] {0f, 0f, 0f, 0f}));
        // id 2 slightly above the others (e^0.01 / (3 + e^0.01) ~ 0.2519 < 0.3): the nucleus is id 2
        assertEquals(2, new Sampler(4, 1.0f, 0.1f, 1).sample(new float[] {0f, 0f, 0.01f, 0f}));
    }

    @Test
    void inNucleusIsWhatToppCanDraw() {
        // probabilities 0.5, 0.3, 0.15, 0.05 with top-p 0.7: the nucleus is ids 0 and 1
        Sampler sampler = new Sampler(4, 1.0f, 0.7f, 1);
        float[] probabilities = {0.5f, 0.3f, 0.15f, 0.05f};
        assertTrue(sampler.inNucleus(probabilities, 0));
        assertTrue(sampler.inNucleus(probabilities, 1));
        assertFalse(sampler.inNucleus(probabilities, 2));
        assertFalse(sampler.inNucleus(probabilities, 3));
        assertEquals(0.1f, sampler.toppCutoff(), 1e-7f); // (1 - 0.7) / 3
    }

    /**
     * From softmax's numerators (what a transformer's shards leave, Transformer#exponentiateAt):
     * run.c's probabilities, the numerators added in order and divided by the sum; numerators
     * taken at another temperature than the sampler's are refused, as they would be wrong.
     */
    @Test
    void probabilitiesFromNumeratorsTakenAtTheSamplersTemperature() {
        float[] numerators = {0.25f, 1.0f, 0.5f, 0.25f};
        Sampler sampler = new Sampler(4, 0.8f, 0.9f, 1);
        assertEquals(-1, sampler.toProbabilities(numerators, 0.8f));
        assertArrayEquals(new float[] {0.125f, 0.5f, 0.25f, 0.125f}, numerators);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sampler.toProbabilities(new float[4], 1.0f));
        assertEquals("softmax's numerators were taken at temperature 1.0, the sampler's is 0.8", e.getMessage());
    }
}

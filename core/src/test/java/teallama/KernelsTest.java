package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class KernelsTest {

    @Test
    void matmulByHand() {
        // W (2,3) @ x (3,): [1 2 3; 4 5 6] @ [1 0 -1] = [-2, -2]
        float[] out = new float[3];
        Kernels.matmul(out, 1, new float[] {1, 0, -1}, new float[] {9, 1, 2, 3, 4, 5, 6}, 1, 3, 2);
        assertArrayEquals(new float[] {0, -2, -2}, out);
    }

    @Test
    void interleavedMatmulIsBitIdenticalToTheReference() {
        Random random = new Random(7);
        for (int d : new int[] {1, 3, 8, 13, 16, 64, 172}) {
            for (int n : new int[] {1, 2, 7, 64, 172}) {
                float[] w = randomArray(random, 5 + d * n);
                float[] x = randomArray(random, n);
                float[] expected = new float[d + 2];
                float[] actual = new float[d + 2];
                Kernels.matmul(expected, 2, x, w, 5, n, d);
                float[] interleaved = w.clone();
                Kernels.interleaveRows(interleaved, 5, n, d);
                Kernels.matmulInterleaved(actual, 2, x, interleaved, 5, n, d);
                assertArrayEquals(expected, actual, "d=" + d + " n=" + n);
                float[] row = new float[n];
                for (int i = 0; i < d; i++) {
                    Kernels.interleavedRow(row, interleaved, 5, n, d, i);
                    assertArrayEquals(java.util.Arrays.copyOfRange(w, 5 + i * n, 5 + i * n + n), row, "row " + i);
                }
                Kernels.deinterleaveRows(interleaved, 5, n, d);
                assertArrayEquals(w, interleaved);
            }
        }
    }

    @Test
    void rmsnormByHand() {
        // x = [3, 4]: mean square 12.5, + 1e-5, 1/sqrt = 0.2828426; times x and weights [1, 2]
        float[] out = new float[2];
        Kernels.rmsnorm(out, new float[] {3, 4}, new float[] {0, 1, 2}, 1, 2);
        assertEquals(0.8485278f, out[0], 1e-6f);
        assertEquals(2.2627409f, out[1], 1e-6f);
    }

    @Test
    void maxFindsTheLargestWhereverItIs() {
        // every length up to 9 at an offset, the largest at every place; the values around are skipped
        for (int n = 1; n <= 9; n++) {
            for (int at = 0; at < n; at++) {
                float[] x = new float[n + 2];
                java.util.Arrays.fill(x, 100f);
                for (int i = 0; i < n; i++) {
                    x[1 + i] = -i;
                }
                x[1 + at] = 5f;
                assertEquals(5f, Kernels.max(x, 1, n), "n " + n + ", largest at " + at);
            }
        }
        assertEquals(3f, Kernels.max(new float[] {1f, Float.NaN, 3f}, 0, 3));
        assertEquals(Float.NaN, Kernels.max(new float[] {Float.NaN, 1f, 3f}, 0, 3));
        // of equal zeros the first, as run.c's one pass keeps it, whether the even or the odd elements hold it
        assertEquals(0.0f, Kernels.max(new float[] {-1f, -1f, 0.0f, -0.0f}, 0, 4));
        assertEquals(-0.0f, Kernels.max(new float[] {-1f, -1f, -0.0f, 0.0f}, 0, 4));
        assertEquals(-0.0f, Kernels.max(new float[] {-1f, -0.0f, 0.0f}, 0, 3));
    }

    @Test
    void sumOfExpByHand() {
        // exp(0 - ln 3) + exp(ln 3 - ln 3) = 4/3
        float ln3 = (float) Math.log(3);
        assertEquals(4f / 3f, Kernels.sumOfExp(new float[] {0, ln3}, 2, ln3), 1e-6f);
        assertEquals(1f, Kernels.sumOfExp(new float[] {2}, 1, 2), 0f);
        // a block of eight zeros and a short one of four ln 2: 8 exp(-ln 2) + 4 = 8
        assertEquals(8f, Kernels.sumOfExp(twoBlocks(), 12, LN2), 1e-6f);
    }

    private static final float LN2 = (float) Math.log(2);

    /** Eight zeros, then four ln 2. */
    private static float[] twoBlocks() {
        return new float[] {0, 0, 0, 0, 0, 0, 0, 0, LN2, LN2, LN2, LN2};
    }

    @Test
    void blockSumsOfExpByHand() {
        // exp(0 - ln 2) eight times, exp(0) four times, after one slot left alone
        float[] sums = {7, 7, 7};
        Kernels.blockSumsOfExp(twoBlocks(), 0, 12, LN2, sums, 1);
        assertArrayEquals(new float[] {7, 4, 4}, sums, 1e-6f);
        // the second block alone, against the largest of all being 0
        float[] second = new float[1];
        Kernels.blockSumsOfExp(twoBlocks(), 8, 4, 0, second, 0);
        assertArrayEquals(new float[] {8}, second, 1e-6f);
        // the blocks asked for, in order
        assertEquals(8f, Kernels.sumOfBlockSums(new float[] {4, 4, 9}, 2), 0f);
    }

    @Test
    void softmaxByHand() {
        // softmax(0, ln 3) = (1/4, 3/4), at an offset
        float[] x = {9, 0, (float) Math.log(3), 9};
        Kernels.softmax(x, 1, 2);
        assertArrayEquals(new float[] {9, 0.25f, 0.75f, 9}, x, 1e-7f);
    }

    @Test
    void swigluByHand() {
        // silu(2) = 2 / (1 + e^-2) = 1.7615942; times 3
        float[] hb = {2, 0};
        Kernels.swiglu(hb, new float[] {3, 5}, 0, 2);
        assertEquals(5.2847825f, hb[0], 1e-6f);
        assertEquals(0f, hb[1]);
    }

    @Test
    void absClearsTheSignBitLikeFabsf() {
        assertEquals(3.5f, Kernels.abs(-3.5f));
        assertEquals(3.5f, Kernels.abs(3.5f));
        assertEquals(0, Float.floatToRawIntBits(Kernels.abs(-0.0f)));
        assertEquals(Float.POSITIVE_INFINITY, Kernels.abs(Float.NEGATIVE_INFINITY));
    }

    @Test
    void roundIsHalfAwayFromZeroLikeC() {
        assertEquals(3, Kernels.roundHalfAwayFromZero(2.5f));
        assertEquals(-3, Kernels.roundHalfAwayFromZero(-2.5f));
        assertEquals(-2, Kernels.roundHalfAwayFromZero(-2.4999998f));
        assertEquals(0, Kernels.roundHalfAwayFromZero(0.49999997f));
        assertEquals(127, Kernels.roundHalfAwayFromZero(127.0f));
        assertEquals(-127, Kernels.roundHalfAwayFromZero(-126.5f));
        assertEquals(0, Kernels.roundHalfAwayFromZero(Float.NaN)); // 0/0 of an all-zero group, as in C
        assertEquals(8388607, Kernels.roundHalfAwayFromZero(8388606.5f));
        assertEquals(-8388607, Kernels.roundHalfAwayFromZero(-8388606.5f));
        assertEquals(1, Kernels.roundHalfAwayFromZero(0.5f));
        assertEquals(-1, Kernels.roundHalfAwayFromZero(-0.5f));
        assertEquals(0, Kernels.roundHalfAwayFromZero(-0.0f));
        assertEquals(0, Kernels.roundHalfAwayFromZero(-0.49999997f));
        assertEquals(-2, Kernels.roundHalfAwayFromZero(-1.5f));
        assertEquals(2, Kernels.roundHalfAwayFromZero(1.5000001f));
    }

    @Test
    void quantizeByHand() {
        // group [1, -2, 0.5, 127]: max 127, scale 1: [1, -2, 1 (0.5 rounds away), 127]
        // group [0.1, 0, 0, 0]: max 0.1, scale 0.1/127, q = [127, 0, 0, 0]
        QuantizedTensor q = QuantizedTensor.allocate(8, 4);
        Kernels.quantize(q, new float[] {1, -2, 0.5f, 127, 0.1f, 0, 0, 0}, 8, 4);
        assertArrayEquals(new byte[] {1, -2, 1, 127, 127, 0, 0, 0}, q.q());
        assertArrayEquals(new float[] {1f, 0.1f / 127f}, q.s());
    }

    @Test
    void quantizedMatmulByHand() {
        // x = [1, 2 | 3, 4] with scales [0.5 | 2], W (1,4) = [1, 1 | 2, 0] with scales [1 | 0.25]
        // group 0: (1 + 2) * 1 * 0.5 = 1.5; group 1: (6 + 0) * 0.25 * 2 = 3
        QuantizedTensor x = new QuantizedTensor(new byte[] {1, 2, 3, 4}, new float[] {0.5f, 2f});
        QuantizedTensor w = new QuantizedTensor(new byte[] {1, 1, 2, 0}, new float[] {1f, 0.25f});
        float[] out = new float[1];
        Kernels.matmul(out, 0, x, w, 4, 1, 2);
        assertEquals(4.5f, out[0]);
    }

    /** The tabled rotation equals run.c's, which computes powf, cosf and sinf in every pass. */
    @Test
    void ropeTableMatchesRunCsRotation() {
        int headSize = 8;
        int dim = 32;
        Rope rope = new Rope(headSize, 300);
        Random random = new Random(3);
        for (int pos : new int[] {0, 1, 17, 299}) {
            float[] expected = randomArray(random, dim);
            float[] actual = expected.clone();
            for (int i = 0; i < dim; i += 2) {
                int headDim = i % headSize;
                float freq = 1.0f / (float) Math.pow(10000.0f, headDim / (float) headSize);
                float val = pos * freq;
                float fcr = FloatMath.cosf(val);
                float fci = FloatMath.sinf(val);
                float v0 = expected[i];
                float v1 = expected[i + 1];
                expected[i] = v0 * fcr - v1 * fci;
                expected[i + 1] = v0 * fci + v1 * fcr;
            }
            rope.rotate(actual, 0, dim, pos);
            assertArrayEquals(expected, actual, "pos " + pos);
        }
    }

    static float[] randomArray(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }

    @Test
    void firstNonFiniteFindsNanAndInfinities() {
        assertEquals(-1, Kernels.firstNonFinite(new float[] {1f, -3e38f, 0f}, 0, 3));
        assertEquals(1, Kernels.firstNonFinite(new float[] {1f, Float.NaN, Float.POSITIVE_INFINITY}, 0, 3));
        assertEquals(2, Kernels.firstNonFinite(new float[] {1f, 2f, Float.NEGATIVE_INFINITY}, 0, 3));
        // every length up to 9, one or two of them anywhere: the first is found
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int n = 1; n <= 9; n++) {
            for (int at = 0; at < n; at++) {
                for (int second = at; second < n; second++) {
                    float[] logits = new float[n];
                    java.util.Arrays.fill(logits, 3e38f);
                    logits[at] = bad[at % 3];
                    logits[second] = bad[second % 3];
                    assertEquals(at, Kernels.firstNonFinite(logits, 0, n), "n " + n + ", at " + at + " and " + second);
                }
            }
            assertEquals(-1, Kernels.firstNonFinite(new float[n + 1], 0, n), "n " + n);
        }
        // only x[offset..offset + size) is looked at, and the index is x's
        assertEquals(-1, Kernels.firstNonFinite(new float[] {1f, 2f, 3f, 4f, Float.NaN}, 0, 4));
        assertEquals(-1, Kernels.firstNonFinite(new float[] {Float.NaN, 2f, 3f, 4f, 5f, 6f, Float.NaN}, 1, 5));
        assertEquals(6, Kernels.firstNonFinite(new float[] {Float.NaN, 2f, 3f, 4f, 5f, 6f, Float.NaN}, 1, 6));
    }
}

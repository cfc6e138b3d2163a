package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The one-byte-per-weight Q8_0 matmul against runq.c's loop ({@link Kernels#matmul} on QuantizedTensors). */
class Q8MatrixTest {

    /** Random int8 weights with the extremes -128, -127 and 127, and some all-zero groups. */
    private static QuantizedTensor randomWeights(Random random, int rows, int cols, int groupSize) {
        QuantizedTensor w = QuantizedTensor.allocate(rows * cols, groupSize);
        for (int i = 0; i < w.q().length; i++) {
            int kind = random.nextInt(8);
            w.q()[i] = (byte) (kind == 0 ? -128 : kind == 1 ? 127 : kind == 2 ? -127 : random.nextInt(256) - 128);
        }
        for (int g = 0; g < w.s().length; g++) {
            if (g % 7 == 3) {
                Arrays.fill(w.q(), g * groupSize, (g + 1) * groupSize, (byte) 0);
            }
            w.s()[g] = g % 11 == 5 ? 0f : random.nextFloat() * 0.1f;
        }
        return w;
    }

    /** Random activations, with an all-zero group (scale 0) and a group of one large value. */
    private static float[] randomInput(Random random, int n, int groupSize) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian() * 3;
        }
        if (n / groupSize > 2) {
            Arrays.fill(x, groupSize, 2 * groupSize, 0f);
            Arrays.fill(x, 2 * groupSize, 3 * groupSize, 0f);
            x[2 * groupSize] = -1e30f;
        }
        return x;
    }

    /** Two columns a turn, then one: group sizes that end in each, up to the largest read. */
    @Test
    void matmulIsBitIdenticalToRunqsLoop() {
        Random random = new Random(17);
        int n = 7680; // divisible by every group size below
        for (int groupSize : new int[] {1, 2, 3, 4, 8, 12, 15, 32, 64, 96, 256, Checkpoint.MAX_GROUP_SIZE}) {
            for (int d : new int[] {1, 3, 7, 8, 9, 16, 43}) {
                QuantizedTensor w = randomWeights(random, d, n, groupSize);
                Q8Input x = new Q8Input(n + groupSize, groupSize);
                x.set(randomInput(random, n, groupSize), n);
                float[] expected = new float[d + 2];
                Kernels.matmul(expected, 2, x.quantized(), w, n, d, groupSize);
                float[] actual = new float[d + 2];
                Q8Kernels.matmul(actual, 2, x, Q8Matrix.pack(w, d, n, groupSize));
                assertArrayEquals(expected, actual, "group size " + groupSize + ", " + d + " rows");
            }
        }
    }

    /**
     * Lanes at opposite extremes: rows of -128 and 127 against inputs of -127 and 127, whose
     * group sums g * 128 * 127 and g * 127 * 127 (either sign) sit side by side in one long (rows
     * r and r + 4 share one): at export.py's 64, 1040384 and 1032256; at the largest group read,
     * 512, 8323072 and 8258048, just inside the top lane's 24 bits (2^23 = 8388608).
     */
    @Test
    void lanesAtTheirLimits() {
        assertLanesHold(64, 1040384f, 1032256f);
        assertLanesHold(Checkpoint.MAX_GROUP_SIZE, 8323072f, 8258048f);
    }

    private static void assertLanesHold(int groupSize, float negativeSum, float positiveSum) {
        int n = 2 * groupSize;
        int d = 8;
        QuantizedTensor w = QuantizedTensor.allocate(d * n, groupSize);
        for (int i = 0; i < d; i++) {
            Arrays.fill(w.q(), i * n, (i + 1) * n, (byte) (negative(i) ? -128 : 127));
        }
        Arrays.fill(w.s(), 1f);
        float[] input = new float[n];
        Arrays.fill(input, 0, groupSize, -1f);  // quantizes to -127, scale 1/127
        Arrays.fill(input, groupSize, n, 127f); // 127, scale 1
        Q8Input x = new Q8Input(n, groupSize);
        x.set(input, n);
        float[] out = new float[d];
        Q8Kernels.matmul(out, 0, x, Q8Matrix.pack(w, d, n, groupSize));
        float negativeRow = negativeSum * 1f * (1f / 127f) + -negativeSum * 1f * 1f;
        float positiveRow = -positiveSum * 1f * (1f / 127f) + positiveSum * 1f * 1f;
        for (int i = 0; i < d; i++) {
            assertEquals(negative(i) ? negativeRow : positiveRow, out[i], "groups of " + groupSize + ", row " + i);
        }
    }

    private static boolean negative(int row) {
        return (row % 2 == 0) != (row >= 4);
    }

    /** A slice of rows, as one shard holds it, computes those rows of the whole matrix. */
    @Test
    void sliceOfRowsComputesThoseRows() {
        Random random = new Random(5);
        int n = 64;
        int d = 29;
        QuantizedTensor w = randomWeights(random, d, n, 32);
        Q8Input x = new Q8Input(n, 32);
        x.set(randomInput(random, n, 32), n);
        float[] whole = new float[d];
        Kernels.matmul(whole, 0, x.quantized(), w, n, d, 32);
        float[] slice = new float[11];
        Q8Kernels.matmul(slice, 0, x, Q8Matrix.pack(w, 16, 11, n, 32));
        assertArrayEquals(Arrays.copyOfRange(whole, 16, 27), slice);
    }

    @Test
    void rowIsRunqsDequantize() {
        Random random = new Random(9);
        int n = 96;
        int d = 13;
        QuantizedTensor w = randomWeights(random, d, n, 32);
        float[] all = Kernels.dequantize(w, 32);
        Q8Matrix m = Q8Matrix.pack(w, d, n, 32);
        float[] row = new float[n];
        for (int i = 0; i < d; i++) {
            m.row(i, row);
            assertArrayEquals(Arrays.copyOfRange(all, i * n, (i + 1) * n), row, "row " + i);
        }
        // by hand: q = -128 with scale 0.5 is -64, q = 127 with scale 0.25 is 31.75
        Q8Matrix small = Q8Matrix.pack(new QuantizedTensor(new byte[] {-128, 127}, new float[] {0.5f, 0.25f}), 1, 2, 1);
        float[] two = new float[2];
        small.row(0, two);
        assertArrayEquals(new float[] {-64f, 31.75f}, two);
    }

    @Test
    void groupSizeThatDoesNotDivideTheColumnsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Q8Matrix.pack(QuantizedTensor.allocate(96, 32), 1, 96, 64));
        assertEquals("expected a group size that divides the 96 columns, found 64", e.getMessage());
    }

    @Test
    void inputOfTheWrongLengthIsRefused() {
        Q8Input x = new Q8Input(128, 32);
        x.set(new float[128], 64);
        Q8Matrix w = Q8Matrix.pack(QuantizedTensor.allocate(8 * 128, 32), 8, 128, 32);
        assertEquals("expected an input of 128 values in groups of 32, found 64 in groups of 32",
                assertThrows(IllegalArgumentException.class,
                        () -> Q8Kernels.matmul(new float[8], 0, x, w)).getMessage());
        assertEquals("expected at most 128 values in whole groups of 32, found 48",
                assertThrows(IllegalArgumentException.class,
                        () -> x.set(new float[128], 48)).getMessage());
    }
}

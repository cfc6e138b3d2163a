package teallama;

/**
 * runq.c's matmul, fast: W a {@link Q8Matrix}, x a {@link Q8Input}; the plain loop, which the
 * tests compare these with, is {@link Kernels#matmul(float[], int, QuantizedTensor,
 * QuantizedTensor, int, int, int)}. A long holds one column of a block of 8 rows as bytes
 * w + 128, row r in byte r. Masking bytes 0 and 4 leaves rows 0 and 4 in the two 32-bit lanes of
 * the long, so one 64-bit multiply by the column's x adds to both rows' sums; bytes 1 and 5 are
 * masked where they are (lanes at bits 8 and 40, the upper one 24 bits wide), and bytes 2, 6 and
 * 3, 7 the same way after a shift by 16. The longs add modulo 2^64, so a lane holds its row's
 * group sum modulo its width whatever the sums on the way: the sum itself, at most
 * {@link Checkpoint#MAX_GROUP_SIZE} * 128 * 127 < 2^23 in size, fits the narrowest lane (rows 5
 * and 7, the top 24 bits); a lower lane that goes negative borrows from the one above, which the
 * lane extraction gives back.
 */
public final class Q8Kernels {
    private Q8Kernels() {
    }

    /** The lower 32-bit lane of a sum of two lanes, signed. */
    private static int lowLane(long lanes) {
        return (int) lanes;
    }

    /** The upper lane, with what the lower one borrowed given back. */
    public static int highLane(long lanes) {
        return (int) ((lanes - (int) lanes) >> 32);
    }

    /**
     * W (d,n) @ x (n,) -> xout (d,) with W a {@link Q8Matrix} and x a prepared {@link Q8Input}.
     * Each row's integer group sums are exact and are combined as runq.c combines them, group by
     * group in order, so the result equals {@link Kernels#matmul(float[], int, QuantizedTensor,
     * QuantizedTensor, int, int, int)}'s bit for bit.
     */
    public static void matmul(float[] xout, int xoutOffset, Q8Input x, Q8Matrix w) {
        int n = w.cols();
        int d = w.rows();
        int groupSize = w.groupSize();
        int groups = n / groupSize;
        if (x.n() != n || x.groupSize() != groupSize) {
            throw new IllegalArgumentException("expected an input of " + n + " values in groups of " + groupSize
                    + ", found " + x.n() + " in groups of " + x.groupSize());
        }
        long[] wq = w.weights();
        float[] ws = w.scales();
        long[] xq = x.values();
        long[] offsets = x.offsets();
        long lanes = w.lanes();      // bytes 0 and 4
        long lanes8 = lanes << 8;    // bytes 1 and 5
        float[] xs = x.quantized().s();
        int p = w.weightsOffset(); // into wq, which is read from start to end
        for (int i = 0; i < d; i += Q8Matrix.ROWS_PER_BLOCK) {
            float v0 = 0.0f;
            float v1 = 0.0f;
            float v2 = 0.0f;
            float v3 = 0.0f;
            float v4 = 0.0f;
            float v5 = 0.0f;
            float v6 = 0.0f;
            float v7 = 0.0f;
            int s = w.scalesOffset() + (i / Q8Matrix.ROWS_PER_BLOCK) * groups * Q8Matrix.ROWS_PER_BLOCK;
            for (int g = 0; g < groups; g++, s += Q8Matrix.ROWS_PER_BLOCK) {
                // rows 0 and 4, 1 and 5, 2 and 6, 3 and 7, each pair starting at -128 * sum(x)
                long a04 = offsets[g];
                long a15 = a04 << 8;
                long a26 = a04;
                long a37 = a15;
                // two columns a turn, which HotSpot unrolls further itself (WebAssembly engines do not: see
                // teallama.web.LinearMatrices, which takes eight)
                int j = g * groupSize;
                for (int pairsEnd = j + (groupSize & ~1); j < pairsEnd; j += 2, p += 2) {
                    long column = wq[p];
                    long xj = xq[j];
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = wq[p + 1];
                    xj = xq[j + 1];
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                }
                if ((groupSize & 1) != 0) {
                    long column = wq[p++];
                    long xj = xq[j];
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                }
                a15 >>= 8;
                a37 >>= 8;
                float sx = xs[g];
                v0 += ((float) lowLane(a04)) * ws[s] * sx;
                v1 += ((float) lowLane(a15)) * ws[s + 1] * sx;
                v2 += ((float) lowLane(a26)) * ws[s + 2] * sx;
                v3 += ((float) lowLane(a37)) * ws[s + 3] * sx;
                v4 += ((float) highLane(a04)) * ws[s + 4] * sx;
                v5 += ((float) highLane(a15)) * ws[s + 5] * sx;
                v6 += ((float) highLane(a26)) * ws[s + 6] * sx;
                v7 += ((float) highLane(a37)) * ws[s + 7] * sx;
            }
            Kernels.storeBlock(xout, xoutOffset + i, d - i, v0, v1, v2, v3, v4, v5, v6, v7);
        }
    }
}

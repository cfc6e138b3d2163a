package teallama;

/**
 * A Q8_0 matrix W (d,n) for {@link Kernels#matmul(float[], int, Q8Input, Q8Matrix)}, one byte per
 * weight: rows in blocks of 8, and for each column of a block one long holding that column's 8
 * weights as offset-binary bytes w + 128, row r of the block in byte r. A matmul then reads one
 * long per column of 8 rows and multiplies two rows at a time, in 32-bit lanes, by the column's
 * input value. The last block is padded with zero rows. Scales are arranged the same way, the 8
 * rows' scales of one group side by side.
 */
public final class Q8Matrix {
    public static final int ROWS_PER_BLOCK = 8;

    private final long[] weights; // (d / 8 blocks rounded up, n columns) of 8 bytes
    private final float[] scales; // (d / 8 blocks rounded up, n / groupSize, 8)
    private final int rows;
    private final int cols;
    private final int groupSize;

    private Q8Matrix(long[] weights, float[] scales, int rows, int cols, int groupSize) {
        this.weights = weights;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
        this.groupSize = groupSize;
    }

    /** W (rows, cols) from int8 values and scales in row-major order, as a file holds them. */
    public static Q8Matrix pack(QuantizedTensor w, int rows, int cols, int groupSize) {
        return pack(w, 0, rows, cols, groupSize);
    }

    /**
     * Rows [firstRow, firstRow + rows) of the row-major matrix w with cols columns, for instance
     * the slice of a matrix that one shard computes.
     */
    public static Q8Matrix pack(QuantizedTensor w, int firstRow, int rows, int cols, int groupSize) {
        if (groupSize <= 0 || cols % groupSize != 0) {
            throw new IllegalArgumentException("expected a group size that divides the " + cols
                    + " columns, found " + groupSize);
        }
        int groups = cols / groupSize;
        int blocks = blocks(rows);
        long[] weights = new long[Math.multiplyExact(blocks, cols)];
        float[] scales = new float[blocks * groups * ROWS_PER_BLOCK];
        java.util.Arrays.fill(weights, 0x8080808080808080L); // zero rows pad the last block
        byte[] q = w.q();
        float[] s = w.s();
        for (int i = 0; i < rows; i++) {
            int block = i / ROWS_PER_BLOCK;
            int shift = 8 * (i % ROWS_PER_BLOCK);
            int in = (firstRow + i) * cols;
            long clear = ~(0xFFL << shift);
            for (int j = 0, p = block * cols; j < cols; j++, p++) {
                weights[p] = (weights[p] & clear) | ((long) (q[in + j] + 128) << shift);
            }
            for (int g = 0; g < groups; g++) {
                scales[(block * groups + g) * ROWS_PER_BLOCK + i % ROWS_PER_BLOCK] = s[in / groupSize + g];
            }
        }
        return new Q8Matrix(weights, scales, rows, cols, groupSize);
    }

    /** Bytes a matrix of this shape takes, scales included. */
    public static long bytes(long rows, int cols, int groupSize) {
        long blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        return blocks * ROWS_PER_BLOCK * ((long) cols + 4L * (cols / groupSize));
    }

    /** Blocks of 8 rows for d rows, the last one partial. */
    static int blocks(int rows) {
        return (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int groupSize() {
        return groupSize;
    }

    long[] weights() {
        return weights;
    }

    float[] scales() {
        return scales;
    }

    /** Row i dequantized into out (n,), each value q * s in float as runq.c's dequantize computes it. */
    public void row(int i, float[] out) {
        int block = i / ROWS_PER_BLOCK;
        int r = i % ROWS_PER_BLOCK;
        int shift = 8 * r;
        int groups = cols / groupSize;
        for (int j = 0; j < cols; j++) {
            int q = (int) ((weights[block * cols + j] >>> shift) & 0xFF) - 128;
            out[j] = q * scales[(block * groups + j / groupSize) * ROWS_PER_BLOCK + r];
        }
    }
}

package teallama;

import java.util.Arrays;

/**
 * A Q8_0 matrix W (d,n) for {@link Q8Kernels#matmul(float[], int, Q8Input, Q8Matrix)}, one byte per
 * weight: rows in blocks of 8, and for each column of a block one long holding that column's 8
 * weights as offset-binary bytes w + 128, row r of the block in byte r. A matmul then reads one
 * long per column of 8 rows and multiplies two rows at a time, in 32-bit lanes, by the column's
 * input value. The last block is padded with zero rows. Scales are arranged the same way, the 8
 * rows' scales of one group side by side. Where a platform offers a {@link MatrixMemory}, the
 * columns and the scales are held there instead; where the same matrix of every layer is made at once
 * ({@link Layers}), a matrix is a stretch of their arrays.
 */
public final class Q8Matrix {
    public static final int ROWS_PER_BLOCK = 8;

    private final long[] weights; // (d / 8 blocks rounded up, n columns) of 8 bytes from weightsOffset, or null: in memory
    private final int weightsOffset;
    private final MatrixMemory memory; // where the weights and scales are held instead, or null
    private final int address;         // their address there
    private final float[] scales; // (d / 8 blocks rounded up, n / groupSize, 8) from scalesOffset, or null: in memory
    private final int scalesOffset;
    private final int scalesAddress;   // where memory holds the scales instead
    private final int rows;
    private final int cols;
    private final int groupSize;
    // Bytes 0 and 4 of a column, which the matmul masks. A field, and not final, so that TeaVM
    // cannot fold it into a constant: in a loop, Firefox builds a 64-bit constant anew at each
    // use, while a value read before the loop stays in a register (Firefox's int8 tokens 3% faster).
    private long lanes = 0x000000FF000000FFL;

    private Q8Matrix(long[] weights, int weightsOffset, MatrixMemory memory, int address, float[] scales,
                     int scalesOffset, int scalesAddress, int rows, int cols, int groupSize) {
        this.weights = weights;
        this.weightsOffset = weightsOffset;
        this.memory = memory;
        this.address = address;
        this.scales = scales;
        this.scalesOffset = scalesOffset;
        this.scalesAddress = scalesAddress;
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
        Filling filling = new Filling(rows, cols, groupSize, true);
        filling.putValues(w.q(), firstRow * cols, rows * cols, 0);
        int groups = rows * (cols / groupSize);
        for (int i = 0; i < groups; i++) {
            filling.putScale(i, w.s()[firstRow * (cols / groupSize) + i]);
        }
        return filling.matrix();
    }

    /**
     * Room for the same matrix of every layer, W (rows, cols), in one array of columns and one of
     * scales, made whole at once when the file's length is known. On the JVM this is what keeps a
     * model's peak memory near its size: G1 puts an array of more than half a region straight
     * among the old objects, never to be copied, while a layer's matrix (under 2 MiB on 110M)
     * went to the young generation and was copied out at each collection while the file was read
     * (the command line's 110M int8 peaked at 196 to 230 MiB between identical runs).
     */
    public static final class Layers {
        private final int rows;
        private final int cols;
        private final int groupSize;
        private final long[] weights; // (layers, blocks, cols) of 8 bytes
        private final float[] scales; // (layers, blocks, groups, 8)

        public Layers(int layers, int rows, int cols, int groupSize) {
            this.rows = rows;
            this.cols = cols;
            this.groupSize = groupSize;
            this.weights = new long[Math.multiplyExact(layers, weightCount(rows, cols))];
            this.scales = new float[Math.multiplyExact(layers, scaleCount(rows, cols, groupSize))];
            Arrays.fill(weights, Filling.ZERO_ROWS);
        }

        /** The elements of the longer of the two arrays, columns or scales, for these matrices. */
        public static long longestArray(int layers, int rows, int cols, int groupSize) {
            long blocks = (long) layers * blocks(rows);
            return Math.max(blocks * cols, blocks * (cols / groupSize) * ROWS_PER_BLOCK);
        }
    }

    /**
     * A matrix filled in a file's order, its int8 values row by row and then their scales, each
     * written straight into its place: in a {@link MatrixMemory} where one is given, else in
     * arrays made whole at once, or grown with the rows written, so that a header followed by
     * too few bytes costs what arrived.
     */
    static final class Filling {
        private static final long ZERO_ROWS = 0x8080808080808080L; // pad the last block

        private final int rows;
        private final int cols;
        private final int groupSize;
        private final int groups;      // per row
        private final MatrixMemory memory; // where the weights and scales go, or null
        private int address;           // the weights' address there
        private int scalesAddress;     // the scales' address there
        private long[] weights;        // (blocks, cols) of 8 bytes from weightsAt, as far as filled
        private int weightsAt;
        private float[] scales;        // (blocks, groups, 8) from scalesAt, as far as filled
        private int scalesAt;

        Filling(int rows, int cols, int groupSize, boolean whole) {
            this(rows, cols, groupSize, whole, null);
        }

        /** Layer `layer` of {@link Layers}, in its place there. */
        Filling(Layers layers, int layer) {
            this(layers.rows, layers.cols, layers.groupSize, false, null);
            weights = layers.weights;
            weightsAt = layer * weightCount();
            scales = layers.scales;
            scalesAt = layer * scaleCount();
        }

        Filling(int rows, int cols, int groupSize, boolean whole, MatrixMemory memory) {
            if (groupSize <= 0 || cols % groupSize != 0) {
                throw new IllegalArgumentException("expected a group size that divides the " + cols
                        + " columns, found " + groupSize);
            }
            this.rows = rows;
            this.cols = cols;
            this.groupSize = groupSize;
            this.groups = cols / groupSize;
            this.memory = memory;
            this.weights = new long[0];
            this.scales = new float[0];
            if (memory != null) {
                address = memory.allocateLongs(weightCount());
                scalesAddress = memory.allocate(scaleCount());
            }
            if (whole && memory == null) {
                weightsUpTo(weightCount());
                scalesUpTo(scaleCount());
            }
        }

        /** n int8 values from bytes[offset..], the first at index `at` of the row-major matrix. */
        void putValues(byte[] bytes, int offset, int n, long at) {
            int i = (int) (at / cols);
            int j = (int) (at % cols);
            while (n > 0) {
                int block = i / ROWS_PER_BLOCK;
                int take = Math.min(n, cols - j);
                if (memory != null) {
                    memory.putInt8(address, block * cols + j, i % ROWS_PER_BLOCK, bytes, offset, take);
                } else {
                    int shift = 8 * (i % ROWS_PER_BLOCK);
                    long clear = ~(0xFFL << shift);
                    long[] w = weightsUpTo((block + 1) * cols);
                    for (int k = 0, p = weightsAt + block * cols + j; k < take; k++, p++) {
                        w[p] = (w[p] & clear) | ((long) (bytes[offset + k] + 128) << shift);
                    }
                }
                offset += take;
                n -= take;
                i++;
                j = 0;
            }
        }

        /** The scale at index `at` of the row-major (rows, groups) scales. */
        void putScale(int at, float scale) {
            int i = at / groups;
            int block = i / ROWS_PER_BLOCK;
            int p = (block * groups + at % groups) * ROWS_PER_BLOCK + i % ROWS_PER_BLOCK;
            if (memory != null) {
                memory.putFloat(scalesAddress, p, scale);
                return;
            }
            scalesUpTo((block + 1) * groups * ROWS_PER_BLOCK)[scalesAt + p] = scale;
        }

        Q8Matrix matrix() {
            if (memory == null) {
                return new Q8Matrix(weightsUpTo(weightCount()), weightsAt, null, 0, scalesUpTo(scaleCount()), scalesAt,
                        0, rows, cols, groupSize);
            }
            byte[] zeros = new byte[cols];
            for (int i = rows; i < blocks(rows) * ROWS_PER_BLOCK; i++) { // the last block's padding, scales too
                int block = i / ROWS_PER_BLOCK;
                memory.putInt8(address, block * cols, i % ROWS_PER_BLOCK, zeros, 0, cols);
                for (int g = 0; g < groups; g++) {
                    memory.putFloat(scalesAddress, (block * groups + g) * ROWS_PER_BLOCK + i % ROWS_PER_BLOCK, 0.0f);
                }
            }
            return new Q8Matrix(null, 0, memory, address, null, 0, scalesAddress, rows, cols, groupSize);
        }

        private int weightCount() {
            return Q8Matrix.weightCount(rows, cols);
        }

        private int scaleCount() {
            return Q8Matrix.scaleCount(rows, cols, groupSize);
        }

        // the arrays grow where a filling has its own, from offset 0; Layers' are long enough
        private long[] weightsUpTo(int end) {
            if (weightsAt + end > weights.length) {
                int old = weights.length;
                weights = Arrays.copyOf(weights, (int) Math.min(weightCount(), Math.max(end, 2L * old)));
                Arrays.fill(weights, old, weights.length, ZERO_ROWS);
            }
            return weights;
        }

        private float[] scalesUpTo(int end) {
            if (scalesAt + end > scales.length) {
                scales = Arrays.copyOf(scales, (int) Math.min(scaleCount(), Math.max(end, 2L * scales.length)));
            }
            return scales;
        }
    }

    private static int weightCount(int rows, int cols) {
        return Math.multiplyExact(blocks(rows), cols);
    }

    private static int scaleCount(int rows, int cols, int groupSize) {
        return Math.multiplyExact(blocks(rows), (cols / groupSize) * ROWS_PER_BLOCK);
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

    /** The mask of bytes 0 and 4 of a column. */
    public long lanes() {
        return lanes;
    }

    long[] weights() {
        return weights;
    }

    /** Where the matrix starts in {@link #weights()}. */
    int weightsOffset() {
        return weightsOffset;
    }

    /** Where the weights and scales are held instead of arrays, or null. */
    public MatrixMemory memory() {
        return memory;
    }

    /** Their address in {@link #memory()}. */
    public int address() {
        return address;
    }

    /** (d / 8 blocks rounded up, n / groupSize, 8) from {@link #scalesOffset()}, or null: in {@link #memory()} */
    public float[] scales() {
        return scales;
    }

    public int scalesOffset() {
        return scalesOffset;
    }

    /** Where {@link #memory()} holds the scales, laid out as in {@link #scales()}. */
    public int scalesAddress() {
        return scalesAddress;
    }

    /** Row i dequantized into out (n,), each value q * s in float as runq.c's dequantize computes it. */
    public void row(int i, float[] out) {
        int block = i / ROWS_PER_BLOCK;
        int r = i % ROWS_PER_BLOCK;
        int shift = 8 * r;
        int groups = cols / groupSize;
        for (int j = 0; j < cols; j++) {
            long column = memory != null ? memory.longAt(address, block * cols + j)
                    : weights[weightsOffset + block * cols + j];
            int q = (int) ((column >>> shift) & 0xFF) - 128;
            int scale = (block * groups + j / groupSize) * ROWS_PER_BLOCK + r;
            out[j] = q * (memory != null ? memory.floatAt(scalesAddress, scale) : scales[scalesOffset + scale]);
        }
    }
}

package teallama;

/**
 * A Q8_0 matrix W (d,n) packed for {@link Kernels#matmulPacked}: three int8 weights of a row in
 * one long, in 21-bit lanes, w0 + (w1 << 21) + (w2 << 42), and ceil(groupSize / 3) longs per
 * group, zero-padded; rows in blocks of 4 interleaved (long t of the group for rows r = 0..3 of
 * the block side by side), the last d % 4 rows one after another. Scales stay as in the file,
 * one per group of a row.
 */
public record Q8Matrix(
        long[] packed,  // (d / 4 blocks, groups, triples, 4) then (d % 4 rows, groups, triples)
        float[] scales, // (d, n / groupSize)
        int rows,
        int cols,
        int groupSize) {

    public static final int ROWS_PER_BLOCK = 4;

    /** Longs per group: three weights each, the last one zero-padded. */
    public static int triplesPerGroup(int groupSize) {
        return (groupSize + 2) / 3;
    }

    /** Bytes a matrix of this shape takes once packed, scales included. */
    public static long bytes(long rows, int cols, int groupSize) {
        long groups = rows * (cols / groupSize);
        return 8 * groups * triplesPerGroup(groupSize) + 4 * groups;
    }

    /** Packs W (rows, cols) given as int8 values and scales in row-major order, as a file holds them. */
    public static Q8Matrix pack(QuantizedTensor w, int rows, int cols, int groupSize) {
        int groups = cols / groupSize;
        int triples = triplesPerGroup(groupSize);
        long[] packed = new long[rows * groups * triples];
        int blocks = rows - rows % ROWS_PER_BLOCK;
        byte[] q = w.q();
        for (int i = 0; i < rows; i++) {
            for (int g = 0; g < groups; g++) {
                int start = i * cols + g * groupSize;
                for (int t = 0; t < triples; t++) {
                    long w0 = at(q, start, 3 * t, groupSize);
                    long w1 = at(q, start, 3 * t + 1, groupSize);
                    long w2 = at(q, start, 3 * t + 2, groupSize);
                    int index = i < blocks
                            ? (((i / ROWS_PER_BLOCK) * groups + g) * triples + t) * ROWS_PER_BLOCK + i % ROWS_PER_BLOCK
                            : (i * groups + g) * triples + t;
                    packed[index] = w0 + (w1 << 21) + (w2 << 42);
                }
            }
        }
        return new Q8Matrix(packed, w.s(), rows, cols, groupSize);
    }

    private static long at(byte[] q, int start, int k, int groupSize) {
        return k < groupSize ? q[start + k] : 0;
    }
}

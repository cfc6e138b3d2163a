package teallama;

/**
 * Memory of a platform's own, outside Java's arrays, where a shard's matrices can be held
 * and multiplied: in the browser, the WebAssembly module's linear memory, whose loads carry no
 * bounds check (WebAssembly GC arrays check every index). A matrix there is laid out as in an
 * array, fp32 as {@link Kernels#interleaveRows} and int8 as a {@link Q8Matrix}'s columns and scales, and
 * multiplied in the order {@link Kernels#matmulInterleaved} and {@link Q8Kernels#matmul(float[], int, Q8Input, Q8Matrix)}
 * multiply it: each row sums its floats in the same order (an int8 group's integer sum is exact in any), so the results are the same bit for bit. Addresses are the platform's; a {@link CheckpointReader} given a MatrixMemory
 * puts the matrices there when they fit, and in arrays otherwise.
 */
public interface MatrixMemory {

    /** Whether this many more bytes fit. */
    boolean fits(long bytes);

    /** Room for count floats; returns its address. */
    int allocate(int count);

    /** count little-endian float32 values from bytes[offset...] into the floats at address, from index `at`. */
    void put(int address, int at, byte[] bytes, int offset, int count);

    /** value into the float at index `at` of those at address. */
    void putFloat(int address, int at, float value);

    /** The float at index i of those at address. */
    float floatAt(int address, int i);

    /** As {@link Kernels#interleaveRows}, for W (d,n) at address. */
    void interleaveRows(int address, int n, int d);

    /** As {@link Kernels#interleavedRow}: row i of the interleaved W (d,n) at address -> out (n,). */
    void interleavedRow(float[] out, int address, int n, int d, int i);

    /** Takes x (n,) as the input of the matmuls that follow, until the next call. */
    void input(float[] x, int n);

    /** As {@link Kernels#matmulInterleaved}: W (d,n) at address @ input (n,) -> xout (d,) at xoutOffset. */
    void matmulInterleaved(float[] xout, int xoutOffset, int address, int n, int d);

    /** Room for count longs, the columns of a {@link Q8Matrix}; returns its address. */
    int allocateLongs(int count);

    /** n int8 values, as w + 128, into byte `row` (0 to 7) of the longs at address from index `at`. */
    void putInt8(int address, int at, int row, byte[] values, int offset, int n);

    /** The long at index i of those held at address. */
    long longAt(int address, int i);

    /** Takes x as the input of the int8 matmuls that follow, until the next call. */
    void input(Q8Input x);

    /** As {@link Q8Kernels#matmul(float[], int, Q8Input, Q8Matrix)}: W, held here, @ input -> xout (d,) at xoutOffset. */
    void matmul(float[] xout, int xoutOffset, Q8Input x, Q8Matrix w);

    // a KV cache ({@link KvCache}), laid out as in its arrays

    /**
     * Room for count floats of a KV cache, zeroed as a new array is: a block of 8 keys is scored
     * whole, positions not yet written too (their scores are never used); returns its address,
     * or throws an IllegalArgumentException where the room cannot be had.
     */
    int allocateCache(int count);

    /** Gives back the room at address: a story's KV cache, where the next story needs a longer one. */
    void release(int address);

    /** values[offset, offset + count) into the floats at address, from index `at`, `stride` apart. */
    void scatter(int address, int at, int stride, float[] values, int offset, int count);

    /** As KvCache's scores: the keys from index `at` of those at address. */
    void attentionScores(float[] att, float[] q, int qOffset, int address, int at, int headSize, int pos, float scale);

    /** As KvCache's weightedValues: the values from index `at` of those at address. */
    void attentionValues(float[] xb, int xbOffset, float[] att, int address, int at, int headSize, int positions,
                         int pos);
}

package teallama.web;

import org.teavm.interop.Import;

/**
 * The WebAssembly SIMD kernels of static/simd.js, over this module's linear memory: the same
 * arithmetic as {@link LinearMatrices}' scalar loops, four rows to a vector, in the same order
 * (int8: each group's integer sums, exact in any order, are taken two columns at a time).
 * Addresses are bytes of linear memory.
 */
final class SimdKernels {
    private SimdKernels() {
    }

    /** 1 where the browser runs WebAssembly SIMD and the worker was not told to do without it, else 0. */
    @Import(module = "simd", name = "available")
    static native int available();

    /**
     * W, `blocks` blocks of 8 interleaved rows of n columns at w, @ x (n,) at x -> out (8 * blocks,)
     * at out: {@link teallama.Kernels#matmulInterleaved} without its last d % 8 rows.
     */
    @Import(module = "simd", name = "matmulInterleaved")
    static native void matmulInterleaved(int w, int x, int out, int n, int blocks);

    /**
     * An int8 matmul, as {@link teallama.Q8Kernels#matmul(float[], int, teallama.Q8Input, teallama.Q8Matrix)}: W, `blocks` blocks of n
     * columns of 8 bytes at w (row r's weight + 128 in byte r) and their scales (blocks,
     * n / groupSize, 8) at scales, as a {@link teallama.Q8Matrix} is held in memory; x's n
     * quantized values as 16-bit integers at x, and its groups' scale (float) and start (int,
     * -128 * the group's sum of x) side by side at groups -> out (8 * blocks,) floats. Each row's
     * sum over a group of (w + 128) x is exact in any order; the floats follow in the scalar loop's
     * order.
     */
    @Import(module = "simd", name = "q8Matmul")
    static native void q8Matmul(int w, int x, int groups, int scales, int out, int n, int groupSize, int blocks);
}

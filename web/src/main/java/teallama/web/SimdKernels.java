package teallama.web;

import org.teavm.interop.Import;

/**
 * The WebAssembly SIMD kernels of static/simd.js, over this module's linear memory: the same
 * arithmetic as {@link LinearMatrices}' scalar loops, in the same order, four rows to a vector.
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
     * The integer half of an int8 matmul: W, `blocks` blocks of n columns of 8 bytes at w (row r's
     * weight + 128 in byte r, as a {@link teallama.Q8Matrix} is held in memory), x's n quantized
     * values as 16-bit integers at x -> out (blocks, n / groupSize, 8) int32: each row's sum of
     * (w + 128) x over each group.
     */
    @Import(module = "simd", name = "q8Sums")
    static native void q8Sums(int w, int x, int out, int n, int groupSize, int blocks);
}

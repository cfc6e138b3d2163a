package teallama.web;

import java.util.Arrays;

import org.teavm.interop.Address;
import org.teavm.runtime.heap.Heap;

import teallama.Kernels;
import teallama.Limits;
import teallama.MatrixMemory;
import teallama.Q8Input;
import teallama.Q8Kernels;
import teallama.Q8Matrix;

/**
 * The matrices of the model this worker holds, in the WebAssembly module's linear memory rather
 * than in Java's arrays: a load from linear memory carries no bounds check, where every
 * WebAssembly GC array access has one, and the input vector sits there too. Measured on the
 * 110M model's shapes (768 columns, one thread), the same loops did 1.4 to 1.7x the fp32
 * multiply-adds a second over arrays, and 1.1 to 1.4x the int8 ones, in Chromium and Firefox.
 * The arithmetic is {@link Kernels#matmulInterleaved}'s and
 * {@link Q8Kernels#matmul(float[], int, Q8Input, Q8Matrix)}'s, the floats in the same order, so the results are the same
 * bit for bit; where the browser has WebAssembly SIMD, {@link SimdKernels} multiply, four rows to
 * a vector, in that order too (int8: its groups' integer sums are exact in any order, and the
 * floats follow in order). An int8 matrix's scales are held here beside its columns. The story's KV cache
 * is held here too, and attended to as {@link teallama.KvCache} attends in its arrays. Linear
 * memory is not collected: a model's matrices are released when the worker forgets it, a KV cache
 * when the next story needs a longer one.
 */
final class LinearMatrices implements MatrixMemory {
    // TeaVM's runtime gives the module a memory of at most 2^31 - 1 bytes; the staging areas and
    // the input vector take a little of it
    private static final long MOST_BYTES = (1L << 31) - (64L << 20);
    private static final int ROWS = Kernels.INTERLEAVED_ROWS; // Q8Matrix.ROWS_PER_BLOCK too

    private int[] held = new int[16]; // the addresses allocated, for release
    private long[] heldSizes = new long[16]; // their bytes
    private int heldCount;
    private long heldBytes;
    private long peakBytes; // the most held at once: linear memory never shrinks, so the worker keeps as much
    private LinearStaging input;     // the fp32 input, or null before the first
    private int inputCount;          // of the fp32 input given last
    private LinearStaging q8Input;   // the int8 input's values as longs, or for SIMD as shorts and then
                                     // each group's scale and start (q8GroupsAt), or null before the first
    private int q8GroupsAt;          // where the groups' scales and starts begin in q8Input
    private int q8InputCount;        // of the int8 input given last
    private LinearStaging attentionInput; // q or att, for the attention kernels, or null before the first
    private LinearStaging output;    // the SIMD kernels' rows, or null before the first
    private boolean simd;            // whether matmuls run on SimdKernels

    /** Takes the SIMD kernels for the model that loads next, if the browser has them and they are enabled. */
    void chooseKernels() {
        simd = SimdKernels.available() == 1;
    }

    /** Whether matmuls run on the SIMD kernels. */
    boolean simd() {
        return simd;
    }

    @Override
    public boolean fits(long bytes) {
        return heldBytes + bytes <= MOST_BYTES;
    }

    @Override
    public int allocate(int count) {
        long bytes = 4L * Math.max(count, 1);
        Address a = bytes <= Integer.MAX_VALUE ? Heap.alloc((int) bytes) : Address.fromInt(0);
        if (a.toInt() == 0) {
            throw new IllegalArgumentException("could not reserve " + Limits.megabytes(bytes)
                    + " of WebAssembly memory for the weights, with " + Limits.megabytes(heldBytes) + " reserved");
        }
        if (heldCount == held.length) {
            held = Arrays.copyOf(held, 2 * held.length);
            heldSizes = Arrays.copyOf(heldSizes, held.length);
        }
        heldSizes[heldCount] = bytes;
        held[heldCount++] = a.toInt();
        heldBytes += bytes;
        peakBytes = Math.max(peakBytes, heldBytes);
        return a.toInt();
    }

    /** The most this memory has held at once, which the worker's linear memory keeps for good. */
    long peakBytes() {
        return peakBytes;
    }

    @Override
    public int allocateCache(int count) {
        int address = allocate(count);
        Address a = Address.fromInt(address);
        for (int i = 0; i < count; i++) {
            a.putFloat(0.0f);
            a = a.add(4);
        }
        return address;
    }

    @Override
    public void release(int address) {
        for (int i = 0; i < heldCount; i++) {
            if (held[i] == address) {
                Heap.release(Address.fromInt(address));
                heldBytes -= heldSizes[i];
                held[i] = held[--heldCount];
                heldSizes[i] = heldSizes[heldCount];
                return;
            }
        }
        throw new IllegalArgumentException("no room is held at " + address);
    }

    /** Releases every matrix and cache: the model that held them is gone. */
    void releaseAll() {
        for (int i = 0; i < heldCount; i++) {
            Heap.release(Address.fromInt(held[i]));
        }
        heldCount = 0;
        heldBytes = 0;
    }

    @Override
    public void put(int address, int at, byte[] bytes, int offset, int count) {
        Address a = Address.fromInt(address + 4 * at);
        // Checkpoint.intAt's shifts written out: called, they loaded 110M fp32 about 5% slower in
        // Firefox (first token 2618 ms against 2524, medians of 9 taking turns; Chromium the same)
        for (int i = 0, p = offset; i < count; i++, p += 4) {
            a.putInt((bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8 | (bytes[p + 2] & 0xff) << 16 | bytes[p + 3] << 24);
            a = a.add(4);
        }
    }

    @Override
    public void putFloat(int address, int at, float value) {
        Address.fromInt(address + 4 * at).putFloat(value);
    }

    @Override
    public float floatAt(int address, int i) {
        return at(address + 4 * i);
    }

    private static float at(int address) {
        return Address.fromInt(address).getFloat();
    }

    @Override
    public void interleaveRows(int address, int n, int d) {
        if (d < ROWS) {
            return;
        }
        float[] block = new float[ROWS * n];
        for (int b = address; b + 4 * ROWS * n <= address + 4 * d * n; b += 4 * ROWS * n) {
            for (int k = 0; k < block.length; k++) {
                block[k] = at(b + 4 * k);
            }
            for (int r = 0; r < ROWS; r++) {
                for (int j = 0; j < n; j++) {
                    Address.fromInt(b + 4 * (j * ROWS + r)).putFloat(block[r * n + j]);
                }
            }
        }
    }

    @Override
    public void interleavedRow(float[] out, int address, int n, int d, int i) {
        int p = i >= d - d % ROWS ? address + 4 * i * n : address + 4 * ((i - i % ROWS) * n + i % ROWS);
        int step = i >= d - d % ROWS ? 4 : 4 * ROWS;
        for (int j = 0; j < n; j++, p += step) {
            out[j] = at(p);
        }
    }

    @Override
    public void input(float[] x, int n) {
        input = LinearStaging.atLeast(input, 4 * n);
        input.putFloats(x, 0, n);
        inputCount = n;
    }

    /**
     * Kernels.matmulInterleaved, loading W and x from linear memory, four j a turn (each sum
     * still adds its products in order of j): without bounds checks the loop's own turns weigh more.
     */
    @Override
    public void matmulInterleaved(float[] xout, int xoutOffset, int address, int n, int d) {
        if (n != inputCount) {
            throw new IllegalArgumentException("expected an input of " + n + " values, found " + inputCount);
        }
        int blocks = d - d % ROWS;
        int fours = n - n % 4;
        int x = input.address();
        int p = address;
        if (simd && blocks > 0) {
            output = LinearStaging.atLeast(output, 4 * blocks);
            SimdKernels.matmulInterleaved(address, x, output.address(), n, blocks / ROWS);
            output.getFloats(xout, xoutOffset, blocks);
            p += 4 * blocks * n;
        }
        for (int i = simd ? blocks : 0; i < blocks; i += ROWS) {
            float s0 = 0.0f;
            float s1 = 0.0f;
            float s2 = 0.0f;
            float s3 = 0.0f;
            float s4 = 0.0f;
            float s5 = 0.0f;
            float s6 = 0.0f;
            float s7 = 0.0f;
            int q = x;
            int j = 0;
            for (; j < fours; j += 4, p += 128, q += 16) {
                float xa = at(q);
                float xb = at(q + 4);
                float xc = at(q + 8);
                float xd = at(q + 12);
                s0 = s0 + at(p) * xa + at(p + 32) * xb + at(p + 64) * xc + at(p + 96) * xd;
                s1 = s1 + at(p + 4) * xa + at(p + 36) * xb + at(p + 68) * xc + at(p + 100) * xd;
                s2 = s2 + at(p + 8) * xa + at(p + 40) * xb + at(p + 72) * xc + at(p + 104) * xd;
                s3 = s3 + at(p + 12) * xa + at(p + 44) * xb + at(p + 76) * xc + at(p + 108) * xd;
                s4 = s4 + at(p + 16) * xa + at(p + 48) * xb + at(p + 80) * xc + at(p + 112) * xd;
                s5 = s5 + at(p + 20) * xa + at(p + 52) * xb + at(p + 84) * xc + at(p + 116) * xd;
                s6 = s6 + at(p + 24) * xa + at(p + 56) * xb + at(p + 88) * xc + at(p + 120) * xd;
                s7 = s7 + at(p + 28) * xa + at(p + 60) * xb + at(p + 92) * xc + at(p + 124) * xd;
            }
            for (; j < n; j++, p += 32, q += 4) {
                float xa = at(q);
                s0 += at(p) * xa;
                s1 += at(p + 4) * xa;
                s2 += at(p + 8) * xa;
                s3 += at(p + 12) * xa;
                s4 += at(p + 16) * xa;
                s5 += at(p + 20) * xa;
                s6 += at(p + 24) * xa;
                s7 += at(p + 28) * xa;
            }
            int o = xoutOffset + i;
            xout[o] = s0;
            xout[o + 1] = s1;
            xout[o + 2] = s2;
            xout[o + 3] = s3;
            xout[o + 4] = s4;
            xout[o + 5] = s5;
            xout[o + 6] = s6;
            xout[o + 7] = s7;
        }
        for (int i = blocks; i < d; i++) { // the last d % 8 rows, row-major (Kernels.matmul)
            float val = 0.0f;
            int q = x;
            for (int j = 0; j < n; j++, p += 4, q += 4) {
                val += at(p) * at(q);
            }
            xout[xoutOffset + i] = val;
        }
    }

    // ----------------------------------------------------------------------------
    // int8: a Q8Matrix's columns and scales, and the input's values (as longs, or for SIMD as shorts
    // and each group's scale and start)

    @Override
    public int allocateLongs(int count) {
        return allocate(2 * count);
    }

    @Override
    public void putInt8(int address, int at, int row, byte[] values, int offset, int n) {
        Address a = Address.fromInt(address + 8 * at + row); // byte `row` of a long: WebAssembly is little-endian
        for (int k = 0; k < n; k++) {
            a.putByte((byte) (values[offset + k] + 128));
            a = a.add(8);
        }
    }

    private static long load(int address) {
        return Address.fromInt(address).getLong();
    }

    @Override
    public long longAt(int address, int i) {
        return load(address + 8 * i);
    }

    /**
     * The quantized values as longs for the scalar loop; for SimdKernels.q8Matmul as 16-bit
     * integers (-127 to 127), then each group's scale and start (-128 * sum(x), see Q8Input.offsetOf).
     */
    @Override
    public void input(Q8Input x) {
        int n = x.n();
        int groups = n / x.groupSize();
        q8GroupsAt = (2 * n + 7) & ~7;
        q8Input = LinearStaging.atLeast(q8Input, simd ? q8GroupsAt + 8 * groups : 8 * n);
        q8InputCount = n;
        long[] values = x.values();
        Address a = Address.fromInt(q8Input.address());
        if (simd) {
            for (int j = 0; j < n; j++) {
                a.putShort((short) values[j]);
                a = a.add(2);
            }
            float[] scales = x.quantized().s();
            long[] offsets = x.offsets();
            a = Address.fromInt(q8Input.address() + q8GroupsAt);
            for (int g = 0; g < groups; g++) {
                a.putFloat(scales[g]);
                a.add(4).putInt((int) offsets[g]);
                a = a.add(8);
            }
            return;
        }
        for (int j = 0; j < n; j++) {
            a.putLong(values[j]);
            a = a.add(8);
        }
    }

    /**
     * Q8Kernels.matmul, loading W's columns and scales and x's values from linear memory, eight
     * columns a turn of the loop over a group where Q8Kernels takes two: each turn of a loop costs
     * WebAssembly more than it costs C, and the engines do not unroll (on 110M int8 in arrays,
     * Firefox ran 29 tok/s at two columns a turn and 33 at eight, Chromium 34.5 and 36), where
     * HotSpot unrolls the loop of two itself and ran 20% slower at eight.
     */
    @Override
    public void matmul(float[] xout, int xoutOffset, Q8Input x, Q8Matrix w) {
        int n = w.cols();
        int d = w.rows();
        int groupSize = w.groupSize();
        int groups = n / groupSize;
        if (x.n() != n || x.groupSize() != groupSize || q8InputCount != n) {
            throw new IllegalArgumentException("expected an input of " + n + " values in groups of " + groupSize
                    + ", found " + x.n() + " in groups of " + x.groupSize() + ", " + q8InputCount + " given");
        }
        if (simd) {
            int blocks = (d + ROWS - 1) / ROWS;
            output = LinearStaging.atLeast(output, 4 * ROWS * blocks);
            SimdKernels.q8Matmul(w.address(), q8Input.address(), q8Input.address() + q8GroupsAt, w.scalesAddress(),
                    output.address(), n, groupSize, blocks);
            output.getFloats(xout, xoutOffset, d);
            return;
        }
        long[] offsets = x.offsets();
        long lanes = w.lanes();      // bytes 0 and 4
        long lanes8 = lanes << 8;    // bytes 1 and 5
        float[] xs = x.quantized().s();
        int p = w.address(); // the columns, read from start to end
        int xq = q8Input.address();
        for (int i = 0; i < d; i += ROWS) {
            float v0 = 0.0f;
            float v1 = 0.0f;
            float v2 = 0.0f;
            float v3 = 0.0f;
            float v4 = 0.0f;
            float v5 = 0.0f;
            float v6 = 0.0f;
            float v7 = 0.0f;
            int s = w.scalesAddress() + 4 * (i / ROWS) * groups * ROWS;
            for (int g = 0; g < groups; g++, s += 4 * ROWS) {
                // rows 0 and 4, 1 and 5, 2 and 6, 3 and 7, each pair starting at -128 * sum(x)
                long a04 = offsets[g];
                long a15 = a04 << 8;
                long a26 = a04;
                long a37 = a15;
                int j = g * groupSize;
                for (int eightsEnd = j + (groupSize & ~7); j < eightsEnd; j += 8, p += 64) {
                    long column = load(p);
                    long xj = load(xq + 8 * j);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 8);
                    xj = load(xq + 8 * j + 8);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 16);
                    xj = load(xq + 8 * j + 16);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 24);
                    xj = load(xq + 8 * j + 24);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 32);
                    xj = load(xq + 8 * j + 32);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 40);
                    xj = load(xq + 8 * j + 40);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 48);
                    xj = load(xq + 8 * j + 48);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                    column = load(p + 56);
                    xj = load(xq + 8 * j + 56);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                }
                for (int groupEnd = g * groupSize + groupSize; j < groupEnd; j++, p += 8) {
                    long column = load(p);
                    long xj = load(xq + 8 * j);
                    a04 += (column & lanes) * xj;
                    a15 += (column & lanes8) * xj;
                    column >>>= 16;
                    a26 += (column & lanes) * xj;
                    a37 += (column & lanes8) * xj;
                }
                a15 >>= 8;
                a37 >>= 8;
                float sx = xs[g];
                v0 += ((float) (int) a04) * at(s) * sx;
                v1 += ((float) (int) a15) * at(s + 4) * sx;
                v2 += ((float) (int) a26) * at(s + 8) * sx;
                v3 += ((float) (int) a37) * at(s + 12) * sx;
                v4 += ((float) Q8Kernels.highLane(a04)) * at(s + 16) * sx;
                v5 += ((float) Q8Kernels.highLane(a15)) * at(s + 20) * sx;
                v6 += ((float) Q8Kernels.highLane(a26)) * at(s + 24) * sx;
                v7 += ((float) Q8Kernels.highLane(a37)) * at(s + 28) * sx;
            }
            Kernels.storeBlock(xout, xoutOffset + i, d - i, v0, v1, v2, v3, v4, v5, v6, v7);
        }
    }

    // ----------------------------------------------------------------------------
    // attention over a KV cache held here

    @Override
    public void scatter(int address, int at, int stride, float[] values, int offset, int count) {
        Address a = Address.fromInt(address + 4 * at);
        for (int i = 0; i < count; i++) {
            a.putFloat(values[offset + i]);
            a = a.add(4 * stride);
        }
    }

    /** The vector an attention kernel reads, q or att: values[from, from + count) staged, at its address. */
    private int attentionInput(float[] values, int from, int count) {
        attentionInput = LinearStaging.atLeast(attentionInput, 4 * count);
        attentionInput.putFloats(values, from, count);
        return attentionInput.address();
    }

    /**
     * KvCache.scores, loading q and the keys from linear memory. A block of 8 positions' keys is
     * laid out as a block of 8 interleaved rows, so the SIMD kernel of the matmuls takes them all.
     */
    @Override
    public void attentionScores(float[] att, float[] q, int qOffset, int address, int at, int headSize, int pos,
                                float scale) {
        int staged = attentionInput(q, qOffset, headSize);
        if (simd) {
            int blocks = pos / ROWS + 1;
            output = LinearStaging.atLeast(output, 4 * ROWS * blocks);
            SimdKernels.matmulInterleaved(address + 4 * at, staged, output.address(), headSize, blocks);
            for (int t = 0; t < ROWS * blocks; t++) {
                att[t] = at(output.address() + 4 * t) / scale;
            }
            return;
        }
        for (int t = 0; t <= pos; t += ROWS) {
            sumEightColumns(att, t, ROWS, staged, address + 4 * (at + (t / ROWS) * headSize * ROWS), headSize,
                    scale);
        }
    }

    /**
     * KvCache.weightedValues, loading the weights att and the values from linear memory: a block
     * of 8 dimensions is a block of 8 interleaved rows of `positions` columns, of which the SIMD
     * kernel takes the first pos + 1.
     */
    @Override
    public void attentionValues(float[] xb, int xbOffset, float[] att, int address, int at, int headSize, int positions,
                                int pos) {
        int staged = attentionInput(att, 0, pos + 1);
        int dimBlocks = (headSize + ROWS - 1) / ROWS;
        if (simd) {
            output = LinearStaging.atLeast(output, 4 * ROWS);
            for (int b = 0; b < dimBlocks; b++) {
                SimdKernels.matmulInterleaved(address + 4 * (at + b * positions * ROWS), staged, output.address(), pos + 1, 1);
                output.getFloats(xb, xbOffset + b * ROWS, Math.min(ROWS, headSize - b * ROWS));
            }
            return;
        }
        for (int b = 0; b < dimBlocks; b++) {
            // dividing by 1 leaves every float as it is
            sumEightColumns(xb, xbOffset + b * ROWS, headSize - b * ROWS, staged,
                    address + 4 * (at + b * positions * ROWS), pos + 1, 1.0f);
        }
    }

    /**
     * The loop of both attention kernels: eight sums of x[i] * column[i][0..7] for i < count, in
     * order of i, x count floats at address x and the eight columns interleaved from address p
     * (eight floats a step), each divided by divisor and the first min(stored, 8) stored at
     * out[o..].
     */
    private static void sumEightColumns(float[] out, int o, int stored, int x, int p, int count, float divisor) {
        float s0 = 0.0f;
        float s1 = 0.0f;
        float s2 = 0.0f;
        float s3 = 0.0f;
        float s4 = 0.0f;
        float s5 = 0.0f;
        float s6 = 0.0f;
        float s7 = 0.0f;
        for (int i = 0; i < count; i++, p += 4 * ROWS, x += 4) {
            float xi = at(x);
            s0 += xi * at(p);
            s1 += xi * at(p + 4);
            s2 += xi * at(p + 8);
            s3 += xi * at(p + 12);
            s4 += xi * at(p + 16);
            s5 += xi * at(p + 20);
            s6 += xi * at(p + 24);
            s7 += xi * at(p + 28);
        }
        Kernels.storeBlock(out, o, stored, s0 / divisor, s1 / divisor, s2 / divisor, s3 / divisor, s4 / divisor,
                s5 / divisor, s6 / divisor, s7 / divisor);
    }
}

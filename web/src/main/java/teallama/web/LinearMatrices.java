package teallama.web;

import org.teavm.interop.Address;
import org.teavm.runtime.heap.Heap;

import teallama.Limits;
import teallama.MatrixMemory;

/**
 * The fp32 matrices of the model this worker holds, in the WebAssembly module's linear memory
 * rather than in Java's arrays: a load from linear memory carries no bounds check, where every
 * WebAssembly GC array access has one, and the input vector sits there too. Measured on the
 * 110M model's shapes (768 columns, one thread): 1.4 to 1.7x the multiply-adds per second of the
 * same loop over arrays, in Chromium and Firefox alike. The arithmetic is
 * {@link teallama.Kernels#matmulInterleaved}'s, in the same order, so the results are the same
 * bit for bit. Linear memory is not collected: a model's matrices are released when the worker
 * forgets it.
 */
final class LinearMatrices implements MatrixMemory {
    // TeaVM's runtime gives the module a memory of at most 2^31 - 1 bytes; the staging areas and
    // the input vector take a little of it
    private static final long MOST_BYTES = (1L << 31) - (64L << 20);
    private static final int ROWS = teallama.Kernels.INTERLEAVED_ROWS;

    private int[] held = new int[16]; // the addresses allocated, for release
    private int heldCount;
    private long heldBytes;
    private Address input = Address.fromInt(0);
    private int inputCapacity; // floats

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
            held = java.util.Arrays.copyOf(held, 2 * held.length);
        }
        held[heldCount++] = a.toInt();
        heldBytes += bytes;
        return a.toInt();
    }

    /** Releases every matrix: the model that held them is gone. */
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
        for (int i = 0, p = offset; i < count; i++, p += 4) {
            a.putInt((bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8 | (bytes[p + 2] & 0xff) << 16 | bytes[p + 3] << 24);
            a = a.add(4);
        }
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
        if (n > inputCapacity) {
            if (inputCapacity > 0) {
                Heap.release(input);
            }
            input = Heap.alloc(4 * n);
            if (input.toInt() == 0) {
                inputCapacity = 0;
                throw new IllegalStateException("could not reserve " + 4 * n + " bytes of WebAssembly memory");
            }
            inputCapacity = n;
        }
        Address a = input;
        for (int j = 0; j < n; j++) {
            a.putFloat(x[j]);
            a = a.add(4);
        }
    }

    /** Kernels.matmulInterleaved, loading W and x from linear memory. */
    @Override
    public void matmulInterleaved(float[] xout, int xoutOffset, int address, int n, int d) {
        int blocks = d - d % ROWS;
        int evenN = n - n % 2;
        int x = input.toInt();
        int p = address;
        for (int i = 0; i < blocks; i += ROWS) {
            float s0 = 0.0f;
            float s1 = 0.0f;
            float s2 = 0.0f;
            float s3 = 0.0f;
            float s4 = 0.0f;
            float s5 = 0.0f;
            float s6 = 0.0f;
            float s7 = 0.0f;
            int q = x;
            for (int j = 0; j < evenN; j += 2, p += 64, q += 8) {
                float xa = at(q);
                float xb = at(q + 4);
                s0 = s0 + at(p) * xa + at(p + 32) * xb;
                s1 = s1 + at(p + 4) * xa + at(p + 36) * xb;
                s2 = s2 + at(p + 8) * xa + at(p + 40) * xb;
                s3 = s3 + at(p + 12) * xa + at(p + 44) * xb;
                s4 = s4 + at(p + 16) * xa + at(p + 48) * xb;
                s5 = s5 + at(p + 20) * xa + at(p + 52) * xb;
                s6 = s6 + at(p + 24) * xa + at(p + 56) * xb;
                s7 = s7 + at(p + 28) * xa + at(p + 60) * xb;
            }
            if (evenN < n) {
                float xa = at(q);
                s0 += at(p) * xa;
                s1 += at(p + 4) * xa;
                s2 += at(p + 8) * xa;
                s3 += at(p + 12) * xa;
                s4 += at(p + 16) * xa;
                s5 += at(p + 20) * xa;
                s6 += at(p + 24) * xa;
                s7 += at(p + 28) * xa;
                p += 32;
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
}

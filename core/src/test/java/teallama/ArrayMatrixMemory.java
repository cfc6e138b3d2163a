package teallama;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A {@link MatrixMemory} for tests on the JVM: one growing float array, an address being an
 * index into it (0 is none), at most `capacity` floats (longs take two); each thread has its own
 * input, as each browser worker has its own memory. Its int8 matmul is runq.c's loop, row by row,
 * over the columns as a {@link Q8Matrix} holds them.
 */
public final class ArrayMatrixMemory implements MatrixMemory {
    private final long capacity;
    private float[] values = new float[1];
    private int used = 1;
    private final ThreadLocal<float[]> input = new ThreadLocal<>();
    private final ThreadLocal<Q8Input> q8Input = new ThreadLocal<>();
    private final Set<Integer> released = new HashSet<>();
    private int caches;        // allocateCache calls so far
    private int refusedCache;  // the one that fails, or 0

    public ArrayMatrixMemory(long capacityFloats) {
        this.capacity = capacityFloats;
    }

    /** Floats allocated so far. */
    public int allocated() {
        return used - 1;
    }

    @Override
    public boolean fits(long bytes) {
        return used - 1 + bytes / 4 <= capacity;
    }

    @Override
    public synchronized int allocate(int count) {
        int address = used;
        used += count;
        values = Arrays.copyOf(values, Math.max(values.length, used));
        return address;
    }

    @Override
    public void put(int address, int at, byte[] bytes, int offset, int count) {
        for (int i = 0; i < count; i++) {
            int p = offset + 4 * i;
            values[address + at + i] = Float.intBitsToFloat(
                    (bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8 | (bytes[p + 2] & 0xff) << 16 | bytes[p + 3] << 24);
        }
    }

    @Override
    public void putFloat(int address, int at, float value) {
        values[address + at] = value;
    }

    @Override
    public float floatAt(int address, int i) {
        return values[address + i];
    }

    @Override
    public void interleaveRows(int address, int n, int d) {
        Kernels.interleaveRows(values, address, n, d);
    }

    @Override
    public void interleavedRow(float[] out, int address, int n, int d, int i) {
        Kernels.interleavedRow(out, values, address, n, d, i);
    }

    @Override
    public void input(float[] x, int n) {
        input.set(Arrays.copyOf(x, n));
    }

    @Override
    public void matmulInterleaved(float[] xout, int xoutOffset, int address, int n, int d) {
        Kernels.matmulInterleaved(xout, xoutOffset, input.get(), values, address, n, d);
    }

    @Override
    public int allocateLongs(int count) {
        return allocate(2 * count);
    }

    @Override
    public void putInt8(int address, int at, int row, byte[] bytes, int offset, int n) {
        for (int k = 0; k < n; k++) {
            long column = longAt(address, at + k) & ~(0xFFL << (8 * row));
            column |= (long) (bytes[offset + k] + 128) << (8 * row);
            values[address + 2 * (at + k)] = Float.intBitsToFloat((int) column);
            values[address + 2 * (at + k) + 1] = Float.intBitsToFloat((int) (column >>> 32));
        }
    }

    @Override
    public long longAt(int address, int i) {
        return (Float.floatToRawIntBits(values[address + 2 * i]) & 0xFFFFFFFFL)
                | (long) Float.floatToRawIntBits(values[address + 2 * i + 1]) << 32;
    }

    @Override
    public void input(Q8Input x) {
        q8Input.set(x);
    }

    @Override
    public void matmul(float[] xout, int xoutOffset, Q8Input x, Q8Matrix w) {
        if (q8Input.get() != x) {
            throw new IllegalStateException("the input was not given first");
        }
        int n = w.cols();
        int groups = n / w.groupSize();
        byte[] xq = x.quantized().q();
        float[] xs = x.quantized().s();
        for (int i = 0; i < w.rows(); i++) {
            int block = i / Q8Matrix.ROWS_PER_BLOCK;
            int r = i % Q8Matrix.ROWS_PER_BLOCK;
            float val = 0.0f;
            for (int g = 0; g < groups; g++) {
                int ival = 0;
                for (int j = g * w.groupSize(); j < (g + 1) * w.groupSize(); j++) {
                    int q = (int) ((longAt(w.address(), block * n + j) >>> (8 * r)) & 0xFF) - 128;
                    ival += q * xq[j];
                }
                val += ((float) ival) * floatAt(w.scalesAddress(), (block * groups + g) * Q8Matrix.ROWS_PER_BLOCK + r) * xs[g];
            }
            xout[xoutOffset + i] = val;
        }
    }

    /** The nth call of allocateCache from now fails, as a platform's memory may. */
    public synchronized void refuseCache(int nth) {
        refusedCache = caches + nth;
    }

    @Override
    public synchronized int allocateCache(int count) {
        if (++caches == refusedCache) {
            throw new IllegalArgumentException("could not reserve room " + caches);
        }
        return allocate(Math.max(count, 1)); // new floats are zero; a room of its own even when empty
    }

    @Override
    public synchronized void release(int address) {
        if (!released.add(address)) {
            throw new IllegalArgumentException("released twice: " + address);
        }
    }

    /** Rooms given back so far. */
    public synchronized int releasedCount() {
        return released.size();
    }

    @Override
    public void scatter(int address, int at, int stride, float[] v, int offset, int count) {
        for (int i = 0; i < count; i++) {
            values[address + at + i * stride] = v[offset + i];
        }
    }

    @Override
    public void attentionScores(float[] att, float[] q, int qOffset, int address, int at, int headSize, int pos,
                                float scale) {
        for (int t = 0; t < (pos / 8 + 1) * 8; t++) { // whole blocks of 8 timesteps, as KvCache scores them
            int p = address + at + (t / 8) * headSize * 8 + t % 8;
            float score = 0.0f;
            for (int i = 0; i < headSize; i++) {
                score += q[qOffset + i] * values[p + 8 * i];
            }
            att[t] = score / scale;
        }
    }

    @Override
    public void attentionValues(float[] xb, int xbOffset, float[] att, int address, int at, int headSize,
                                int positions, int pos) {
        for (int i = 0; i < headSize; i++) {
            int p = address + at + (i / 8) * positions * 8 + i % 8;
            float sum = 0.0f;
            for (int t = 0; t <= pos; t++) {
                sum += att[t] * values[p + 8 * t];
            }
            xb[xbOffset + i] = sum;
        }
    }
}

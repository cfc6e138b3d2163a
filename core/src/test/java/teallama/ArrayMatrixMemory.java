package teallama;

import java.util.Arrays;

/**
 * A {@link MatrixMemory} for tests on the JVM: one growing float array, an address being an
 * index into it (0 is none), at most `capacity` floats; each thread has its own input, as each
 * browser worker has its own memory.
 */
public final class ArrayMatrixMemory implements MatrixMemory {
    private final long capacity;
    private float[] values = new float[1];
    private int used = 1;
    private final ThreadLocal<float[]> input = new ThreadLocal<>();

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
}

package teallama;

/**
 * The input x (n,) of Q8_0 matmuls: quantized in groups as runq.c quantizes it, then prepared once
 * for all the {@link Q8Matrix} matmuls that read it.
 */
public final class Q8Input {
    private final int groupSize;
    private final QuantizedTensor quantized; // (n,) values and (n / groupSize,) scales
    private final long[] values;             // the quantized values as longs (n,)
    private final long[] offsets;            // per group (n / groupSize,), see offsetOf
    private int n;

    /** Room for inputs of up to maxN values. */
    public Q8Input(int maxN, int groupSize) {
        this.groupSize = groupSize;
        this.quantized = QuantizedTensor.allocate(maxN, groupSize);
        this.values = new long[maxN];
        this.offsets = new long[maxN / groupSize];
    }

    /** Takes x (n,) as the input: runq.c's quantize, then the preparation. */
    public void set(float[] x, int n) {
        if (n % groupSize != 0 || n > values.length) {
            throw new IllegalArgumentException("expected at most " + values.length + " values in whole groups of "
                    + groupSize + ", found " + n);
        }
        Kernels.quantize(quantized, x, n, groupSize);
        byte[] q = quantized.q();
        for (int g = 0; g < n / groupSize; g++) {
            int sum = 0;
            for (int j = g * groupSize; j < (g + 1) * groupSize; j++) {
                values[j] = q[j];
                sum += q[j];
            }
            offsets[g] = offsetOf(sum);
        }
        this.n = n;
    }

    /**
     * The weights are stored as w + 128, so a lane sums (w + 128) x; starting it at -128 * sum(x)
     * leaves the group's dot product sum(w x). Both 32-bit lanes of a long start so.
     */
    static long offsetOf(int groupSum) {
        long start = -128L * groupSum;
        return start + (start << 32);
    }

    public int n() {
        return n;
    }

    public int groupSize() {
        return groupSize;
    }

    /** The input as runq.c quantized it. */
    public QuantizedTensor quantized() {
        return quantized;
    }

    /** The quantized values as longs (n,). */
    public long[] values() {
        return values;
    }

    /** Each group's start of a lane sum, see offsetOf. */
    public long[] offsets() {
        return offsets;
    }
}

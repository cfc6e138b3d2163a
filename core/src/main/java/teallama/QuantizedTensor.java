package teallama;

/**
 * Q8_0: symmetric int8 values with one float scale per group of groupSize consecutive values,
 * value[i] ~= q[i] * s[i / groupSize].
 */
public record QuantizedTensor(
        byte[] q,    // quantized values
        float[] s) { // scaling factors

    public static QuantizedTensor allocate(int size, int groupSize) {
        return new QuantizedTensor(new byte[size], new float[size / groupSize]);
    }
}

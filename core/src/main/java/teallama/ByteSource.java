package teallama;

/**
 * Read-only little-endian bytes already in memory: a byte[] on the JVM, an ArrayBuffer in the
 * browser. Weights are taken out in bulk, one tensor at a time, so a source can copy each
 * tensor with a single typed-array copy.
 */
public interface ByteSource {
    long size();

    /** count bytes starting at offset; the caller has checked that they exist. */
    byte[] readBytes(long offset, int count);

    /** count little-endian float32 values starting at offset (a multiple of 4). */
    float[] readFloats(long offset, int count);
}

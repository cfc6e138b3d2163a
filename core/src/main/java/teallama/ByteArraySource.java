package teallama;

/** A {@link ByteSource} over a byte[], as read from a file on the JVM. */
public final class ByteArraySource implements ByteSource {
    private final byte[] data;

    public ByteArraySource(byte[] data) {
        this.data = data;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public byte[] readBytes(long offset, int count) {
        byte[] out = new byte[count];
        System.arraycopy(data, Math.toIntExact(offset), out, 0, count);
        return out;
    }

    @Override
    public float[] readFloats(long offset, int count) {
        float[] out = new float[count];
        int p = Math.toIntExact(offset);
        for (int i = 0; i < count; i++, p += 4) {
            out[i] = Float.intBitsToFloat((data[p] & 0xff) | (data[p + 1] & 0xff) << 8
                    | (data[p + 2] & 0xff) << 16 | data[p + 3] << 24);
        }
        return out;
    }
}

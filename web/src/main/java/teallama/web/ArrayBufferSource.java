package teallama.web;

import org.teavm.jso.typedarrays.ArrayBuffer;
import org.teavm.jso.typedarrays.Float32Array;
import org.teavm.jso.typedarrays.Int8Array;

import teallama.ByteSource;

/** A {@link ByteSource} over a fetched ArrayBuffer: each tensor is one typed-array copy. */
final class ArrayBufferSource implements ByteSource {
    private final ArrayBuffer buffer;

    ArrayBufferSource(ArrayBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public long size() {
        return buffer.getByteLength();
    }

    @Override
    public byte[] readBytes(long offset, int count) {
        return new Int8Array(buffer, (int) offset, count).copyToJavaArray();
    }

    @Override
    public float[] readFloats(long offset, int count) {
        return new Float32Array(buffer, (int) offset, count).copyToJavaArray();
    }
}

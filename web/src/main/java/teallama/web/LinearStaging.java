package teallama.web;

import org.teavm.interop.Address;
import org.teavm.interop.Import;
import org.teavm.jso.JSBody;
import org.teavm.jso.typedarrays.ArrayBuffer;
import org.teavm.jso.typedarrays.Float64Array;
import org.teavm.jso.typedarrays.Int8Array;
import org.teavm.runtime.heap.Heap;

/**
 * A stretch of the WebAssembly module's linear memory through which bytes and floats pass between
 * JavaScript's typed arrays and Java's arrays (WebAssembly GC arrays, which JavaScript cannot
 * reach), and through which the inspector's rows leave; LinearMatrices' kernels read their inputs
 * from one. TeaVM's copyToJavaArray and
 * copyFromJavaArray pass them the same way, but into a new array each time: a model's download
 * (which every shard worker reads whole) and a story's exchanges of vectors made hundreds of
 * megabytes of garbage, for which Chromium grew each worker's young generation to its largest
 * (64 MiB) and kept it resident beside the weights.
 * Here the arrays are the caller's own, and nothing is left to collect.
 */
final class LinearStaging {
    private final Address address;
    private final int capacity; // bytes

    private LinearStaging(int bytes) {
        address = Heap.alloc(bytes);
        if (address.toInt() == 0) {
            throw new IllegalStateException("could not reserve " + bytes + " bytes of linear memory");
        }
        capacity = bytes;
    }

    /**
     * A staging area of at least this many bytes: staging itself where it is large enough (or
     * null). The old area is given back once the new one is had, so that where it cannot be,
     * staging is still the caller's, whole.
     */
    static LinearStaging atLeast(LinearStaging staging, int bytes) {
        if (staging != null && staging.capacity >= bytes) {
            return staging;
        }
        LinearStaging larger = new LinearStaging(bytes);
        if (staging != null) {
            Heap.release(staging.address);
        }
        return larger;
    }

    /** Where the area starts in linear memory. */
    int address() {
        return address.toInt();
    }

    /** values[from, from + count) into the area's first count floats. */
    void putFloats(float[] values, int from, int count) {
        check(4 * count);
        Address a = address;
        for (int i = from; i < from + count; i++) {
            a.putFloat(values[i]);
            a = a.add(4);
        }
    }

    /** The area's first count floats into values[from, from + count). */
    void getFloats(float[] values, int from, int count) {
        check(4 * count);
        Address a = address;
        for (int i = from; i < from + count; i++) {
            values[i] = a.getFloat();
            a = a.add(4);
        }
    }

    /** The linear memory's buffer, fetched at every use: the memory may have grown since. */
    @Import(module = "teavmMemory", name = "linearMemory")
    private static native ArrayBuffer linearMemory();

    @JSBody(params = {"memory", "address", "source", "from", "count"},
            script = "new Int8Array(memory, address, count).set(source.subarray(from, from + count));")
    private static native void bytesIn(ArrayBuffer memory, int address, Int8Array source, int from, int count);

    // One call into JavaScript for a whole exchange: each call costs microseconds, the first after
    // a stretch of computing more, and a 110M token makes 50 exchanges.
    @JSBody(params = {"memory", "address", "turn", "from", "count", "getFrom", "getTo"},
            script = "if (count > 0) meeting.put(turn, from, new Float32Array(memory, address, count));"
                    + "meeting.meet();"
                    + "if (getTo > getFrom) new Float32Array(memory, address, getTo - getFrom)"
                    + ".set(meeting.get(turn, getFrom, getTo));")
    private static native void floatsThroughMeeting(ArrayBuffer memory, int address, int turn, int from, int count,
                                                    int getFrom, int getTo);

    /** source[from, from + count) into out[0, count). */
    void read(Int8Array source, int from, int count, byte[] out) {
        check(count);
        bytesIn(linearMemory(), address.toInt(), source, from, count);
        Address a = address;
        for (int i = 0; i < count; i++) {
            out[i] = a.getByte();
            a = a.add(1);
        }
    }

    /**
     * values[from, to) into meeting.js's staging area turn at from; then, once every shard has
     * put its part, [getFrom, getTo) of the area into values, but for [from, to).
     */
    void exchange(int turn, float[] values, int from, int to, int getFrom, int getTo) {
        check(4 * Math.max(to - from, getTo - getFrom));
        putFloats(values, from, to - from);
        floatsThroughMeeting(linearMemory(), address.toInt(), turn, from, to - from, getFrom, getTo);
        Address a = address;
        for (int i = getFrom; i < getTo; i++) {
            if (i < from || i >= to) {
                values[i] = a.getFloat();
            }
            a = a.add(4);
        }
    }

    @JSBody(params = {"memory", "address", "count"},
            script = "return new Float64Array(memory, address, count).slice();")
    private static native Float64Array float64sOut(ArrayBuffer memory, int address, int count);

    /** values[0, count) as a new Float64Array. */
    Float64Array copyOut(double[] values, int count) {
        check(8 * count);
        Address a = address;
        for (int i = 0; i < count; i++) {
            a.putDouble(values[i]);
            a = a.add(8);
        }
        return float64sOut(linearMemory(), address.toInt(), count);
    }

    private void check(int bytes) {
        if (bytes > capacity) {
            throw new IllegalArgumentException("expected at most " + capacity + " bytes to stage, found " + bytes);
        }
    }
}

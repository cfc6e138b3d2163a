package teallama.web;

import java.util.Arrays;

import org.teavm.jso.JSBody;
import org.teavm.jso.typedarrays.Float32Array;

import teallama.parallel.Exchange;
import teallama.parallel.Split;

/**
 * The shards of a model meet in workers that share memory: WebAssembly GC arrays cannot live in
 * a SharedArrayBuffer, so each shard copies its part of an activation vector into one (meeting.js
 * holds it), waits at a barrier for the others, and copies the whole vector back. Two staging
 * areas are used in turn, as on the JVM (see ShardThreads).
 */
final class SharedMemoryExchange implements Exchange {
    private final int shard;
    private int turn;

    SharedMemoryExchange(int shard) {
        this.shard = shard;
    }

    @JSBody(params = {"token", "pos", "softmaxSum"}, script = "meeting.begin(token, pos, softmaxSum);")
    private static native void beginPosition(int token, int pos, boolean softmaxSum);

    /** Writes values at [from, from + values.length) of staging area turn. */
    @JSBody(params = {"turn", "from", "values"}, script = "meeting.put(turn, from, values);")
    private static native void put(int turn, int from, Float32Array values);

    /** [from, to) of staging area turn. */
    @JSBody(params = {"turn", "from", "to"}, script = "return meeting.get(turn, from, to);")
    private static native Float32Array get(int turn, int from, int to);

    @JSBody(script = "meeting.meet();")
    private static native void meet();

    @Override
    public void begin(int token, int pos, boolean softmaxSum) {
        if (shard == 0) {
            beginPosition(token, pos, softmaxSum);
        }
    }

    @Override
    public void allGather(float[] buf, Split split) {
        float[] all = publish(buf, split);
        for (int s = 0; s < split.parts(); s++) {
            if (s != shard) {
                System.arraycopy(all, split.from(s), buf, split.from(s), split.size(s));
            }
        }
    }

    @Override
    public void gatherToFirst(float[] buf, Split split) {
        if (shard == 0) {
            int t = share(buf, split);
            float[] rest = get(t, split.to(0), split.length()).copyToJavaArray();
            System.arraycopy(rest, 0, buf, split.to(0), rest.length);
        } else {
            share(buf, split);
        }
    }

    /** Shares this shard's part, waits for the others, and returns the whole vector. */
    private float[] publish(float[] buf, Split split) {
        int t = share(buf, split);
        return get(t, 0, split.length()).copyToJavaArray();
    }

    private int share(float[] buf, Split split) {
        int t = turn;
        turn ^= 1;
        if (split.size(shard) > 0) {
            float[] part = Arrays.copyOfRange(buf, split.from(shard), split.to(shard));
            put(t, split.from(shard), Float32Array.copyFromJavaArray(part));
        }
        meet();
        return t;
    }
}

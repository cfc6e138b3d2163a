package teallama.web;

import org.teavm.jso.JSBody;

import teallama.parallel.Exchange;
import teallama.parallel.Split;

/**
 * The shards of a model meet in workers that share memory: WebAssembly GC arrays cannot live in
 * a SharedArrayBuffer, so each shard copies its part of an activation vector into one (meeting.js
 * holds it), waits at a barrier for the others, and copies the whole vector back, through
 * linear memory (see LinearStaging). Two staging areas are used in turn, as on the JVM (see
 * teallama.jvm.ShardThreads).
 */
final class SharedMemoryExchange implements Exchange {
    private final int shard;
    private final LinearStaging staging;
    private int turn;

    /** Shard `shard`'s side of the exchanges, through staging, which holds the longest vector. */
    SharedMemoryExchange(int shard, LinearStaging staging) {
        this.shard = shard;
        this.staging = staging;
    }

    @JSBody(params = {"token", "pos", "softmaxSum", "temperatureBits"},
            script = "meeting.begin(token, pos, softmaxSum, temperatureBits);")
    private static native void beginPosition(int token, int pos, boolean softmaxSum, int temperatureBits);

    @Override
    public void begin(int token, int pos, boolean softmaxSum, float temperature) {
        if (shard == 0) {
            beginPosition(token, pos, softmaxSum, Float.floatToRawIntBits(temperature));
        }
    }

    @Override
    public void allGather(float[] buf, Split split) {
        staging.exchange(nextTurn(), buf, split.from(shard), split.to(shard), 0, split.length());
    }

    @Override
    public void gatherToFirst(float[] buf, Split split) {
        int getTo = shard == 0 ? split.length() : 0;
        staging.exchange(nextTurn(), buf, split.from(shard), split.to(shard), split.to(shard), getTo);
    }

    private int nextTurn() {
        int t = turn;
        turn ^= 1;
        return t;
    }
}

package teallama;

import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;

/**
 * A checkpoint in memory: what its header says, and the weights of the shards held here (all of
 * them on the JVM; one per worker in the browser, the others null).
 */
public record Model(Checkpoint.Header header, ShardPlan plan, Weights[] shards) {

    /** A whole model held as one shard. */
    public static Model of(Checkpoint.Header header, Weights weights) {
        return new Model(header, weights.plan(), new Weights[] {weights});
    }

    public Config config() {
        return header.config();
    }

    public int version() {
        return header.version();
    }

    /** What run.c calls a shared classifier: the logits reuse the token embedding table. */
    public boolean sharedClassifier() {
        return header.sharedClassifier();
    }

    public long parameterCount() {
        return config().parameterCount(sharedClassifier());
    }

    /** The weights of a model held as one shard. */
    public Weights weights() {
        if (plan.shards() != 1) {
            throw new IllegalStateException("the model is held as " + plan.shards() + " shards");
        }
        return shards[0];
    }

    /** The forward pass of a model held as one shard, with a KV cache for {@code positions} positions. */
    public Transformer newTransformer(int positions) {
        return weights().newTransformer(positions, Exchange.NONE);
    }

    /**
     * Refuses a run of this many positions whose KV cache and buffers (of all the shards) would
     * not fit in what is free, naming how many positions would.
     */
    public void checkRun(int positions, Limits limits) {
        long needed = runBytes(positions, limits);
        if (needed <= limits.freeBytes()) {
            return;
        }
        int fit = 0;
        for (int low = 1, high = positions - 1; low <= high; ) {
            int mid = (low + high) >>> 1;
            if (runBytes(mid, limits) <= limits.freeBytes()) {
                fit = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        // the KV cache (layers, positions, kv_dim) or the attention scores (heads, positions)
        String need = needed == Long.MAX_VALUE ? "a KV cache or attention scores longer than an array of this platform"
                : Limits.megabytes(needed) + " for the KV cache and activations, and "
                        + Limits.megabytes(limits.freeBytes()) + " are free";
        throw new IllegalArgumentException(stepsNeed(positions) + " " + need + ": "
                + (fit == 0 ? "not one step fits" : "at most " + fit + (fit == 1 ? " step fits" : " steps fit")));
    }

    /** "1 step needs" or "N steps need", as a refusal begins. */
    public static String stepsNeed(int positions) {
        return positions == 1 ? "1 step needs" : positions + " steps need";
    }

    /**
     * What the run states of every shard take, those held elsewhere (in other workers) too: the
     * story needs them all, and a shard here may hold no KV head while another holds them all.
     */
    public long runBytes(int positions, Limits limits) {
        long bytes = 0;
        for (int s = 0; s < plan.shards(); s++) {
            long shard = RunState.bytes(plan, s, positions, limits);
            if (shard == Long.MAX_VALUE) {
                return shard;
            }
            bytes += shard;
        }
        return bytes;
    }
}

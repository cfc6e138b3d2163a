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
}

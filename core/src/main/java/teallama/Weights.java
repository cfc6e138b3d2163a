package teallama;

import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;

/** The weights one shard of a model holds, in whichever number format its file holds them. */
public sealed interface Weights permits FloatWeights, QuantizedWeights {

    ShardPlan plan();

    /** Which shard of the plan these are. */
    int shard();

    /** The forward pass of this shard with a KV cache for the first {@code positions} positions. */
    Transformer newTransformer(int positions, Exchange exchange);
}

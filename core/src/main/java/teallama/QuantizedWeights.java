package teallama;

import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;

/**
 * Q8_0 weights, as runq.c holds them: the matmul weights in int8 groups, the norms in fp32. A shard
 * holds only its rows of each matrix ({@link ShardPlan}); the norms are whole.
 */
public record QuantizedWeights(
        ShardPlan plan,
        int shard,
        int groupSize,
        boolean sharedClassifier,
        Q8Matrix tokenEmbeddingTable, // (vocab rows of the shard, dim)
        float[] rmsAttWeight,        // (layer, dim) rmsnorm weights
        Q8Matrix[] wq,               // (layer) of (head rows of the shard, dim)
        Q8Matrix[] wk,               // (layer) of (kv head rows of the shard, dim)
        Q8Matrix[] wv,               // (layer) of (kv head rows of the shard, dim)
        Q8Matrix[] wo,               // (layer) of (dim rows of the shard, n_heads * head_size)
        float[] rmsFfnWeight,        // (layer, dim)
        Q8Matrix[] w1,               // (layer) of (hidden rows of the shard, dim)
        Q8Matrix[] w2,               // (layer) of (dim rows of the shard, hidden_dim)
        Q8Matrix[] w3,               // (layer) of (hidden rows of the shard, dim)
        float[] rmsFinalWeight,      // (dim,)
        Q8Matrix wcls)               // (vocab rows of the shard, dim), the embedding table itself when shared
        implements Weights {

    @Override
    public Transformer newTransformer(int positions, Exchange exchange) {
        return new QuantizedTransformer(this, positions, exchange);
    }
}

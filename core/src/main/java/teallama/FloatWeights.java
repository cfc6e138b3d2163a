package teallama;

/** fp32 weights, as run.c holds them: one flat array per tensor, all layers back to back. */
public record FloatWeights(
        float[] tokenEmbeddingTable, // (vocab_size, dim)
        float[] rmsAttWeight,        // (layer, dim) rmsnorm weights
        float[] wq,                  // (layer, dim, n_heads * head_size)
        float[] wk,                  // (layer, n_kv_heads * head_size, dim)
        float[] wv,                  // (layer, n_kv_heads * head_size, dim)
        float[] wo,                  // (layer, dim, n_heads * head_size)
        float[] rmsFfnWeight,        // (layer, dim)
        float[] w1,                  // (layer, hidden_dim, dim)
        float[] w2,                  // (layer, dim, hidden_dim)
        float[] w3,                  // (layer, hidden_dim, dim)
        float[] rmsFinalWeight,      // (dim,)
        float[] wcls)                // (vocab_size, dim), the embedding table itself when shared
        implements Weights {

    public boolean sharedClassifier() {
        return wcls == tokenEmbeddingTable;
    }

    @Override
    public Transformer newTransformer(Config config, int positions) {
        return new FloatTransformer(config, this, positions);
    }
}

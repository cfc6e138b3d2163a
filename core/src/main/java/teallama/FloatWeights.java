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

    /** From tensors indexed by {@link Checkpoint.Tensor#ordinal()}; WCLS may be absent when shared. */
    static FloatWeights of(float[][] t, boolean sharedClassifier) {
        float[] embedding = t[Checkpoint.Tensor.TOKEN_EMBEDDING_TABLE.ordinal()];
        return new FloatWeights(embedding, t[Checkpoint.Tensor.RMS_ATT_WEIGHT.ordinal()],
                t[Checkpoint.Tensor.WQ.ordinal()], t[Checkpoint.Tensor.WK.ordinal()], t[Checkpoint.Tensor.WV.ordinal()],
                t[Checkpoint.Tensor.WO.ordinal()], t[Checkpoint.Tensor.RMS_FFN_WEIGHT.ordinal()],
                t[Checkpoint.Tensor.W1.ordinal()], t[Checkpoint.Tensor.W2.ordinal()], t[Checkpoint.Tensor.W3.ordinal()],
                t[Checkpoint.Tensor.RMS_FINAL_WEIGHT.ordinal()],
                sharedClassifier ? embedding : t[Checkpoint.Tensor.WCLS.ordinal()]);
    }

    public boolean sharedClassifier() {
        return wcls == tokenEmbeddingTable;
    }

    @Override
    public Transformer newTransformer(Config config, int positions) {
        return new FloatTransformer(config, this, positions);
    }
}

package teallama;

/** Q8_0 weights, as runq.c holds them: the matmul weights in int8 groups, the norms in fp32. */
public record QuantizedWeights(
        int groupSize,
        QuantizedTensor tokens,      // (vocab_size, dim)
        float[] tokenEmbeddingTable, // (vocab_size, dim), tokens dequantized
        float[] rmsAttWeight,        // (layer, dim) rmsnorm weights
        QuantizedTensor[] wq,        // (layer) of (n_heads * head_size, dim)
        QuantizedTensor[] wk,        // (layer) of (n_kv_heads * head_size, dim)
        QuantizedTensor[] wv,        // (layer) of (n_kv_heads * head_size, dim)
        QuantizedTensor[] wo,        // (layer) of (dim, n_heads * head_size)
        float[] rmsFfnWeight,        // (layer, dim)
        QuantizedTensor[] w1,        // (layer) of (hidden_dim, dim)
        QuantizedTensor[] w2,        // (layer) of (dim, hidden_dim)
        QuantizedTensor[] w3,        // (layer) of (hidden_dim, dim)
        float[] rmsFinalWeight,      // (dim,)
        QuantizedTensor wcls)        // (vocab_size, dim), the tokens tensor itself when shared
        implements Weights {

    public boolean sharedClassifier() {
        return wcls == tokens;
    }

    @Override
    public Transformer newTransformer(Config config, int positions) {
        return new QuantizedTransformer(config, this, positions);
    }
}

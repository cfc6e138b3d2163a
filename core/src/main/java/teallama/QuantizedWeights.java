package teallama;

/** Q8_0 weights, as runq.c holds them: the matmul weights in int8 groups, the norms in fp32. */
public record QuantizedWeights(
        int groupSize,
        boolean sharedClassifier,
        float[] tokenEmbeddingTable, // (vocab_size, dim), dequantized
        float[] rmsAttWeight,        // (layer, dim) rmsnorm weights
        Q8Matrix[] wq,               // (layer) of (n_heads * head_size, dim)
        Q8Matrix[] wk,               // (layer) of (n_kv_heads * head_size, dim)
        Q8Matrix[] wv,               // (layer) of (n_kv_heads * head_size, dim)
        Q8Matrix[] wo,               // (layer) of (dim, n_heads * head_size)
        float[] rmsFfnWeight,        // (layer, dim)
        Q8Matrix[] w1,               // (layer) of (hidden_dim, dim)
        Q8Matrix[] w2,               // (layer) of (dim, hidden_dim)
        Q8Matrix[] w3,               // (layer) of (hidden_dim, dim)
        float[] rmsFinalWeight,      // (dim,)
        Q8Matrix wcls)               // (vocab_size, dim), the token embedding itself when shared
        implements Weights {

    @Override
    public Transformer newTransformer(Config config, int positions) {
        return new QuantizedTransformer(config, this, positions);
    }
}

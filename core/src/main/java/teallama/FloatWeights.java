package teallama;

/**
 * fp32 weights, as run.c holds them: one flat array per tensor, all layers back to back, except
 * that each layer's matrix has its rows interleaved in blocks of 8 for the fast matmul
 * ({@link Kernels#interleaveRows}); the embedding table is interleaved too when it is the
 * classifier. The norms are as in the file.
 */
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

    /**
     * From row-major tensors indexed by {@link Checkpoint.Tensor#ordinal()}, as a file holds them
     * (WCLS absent when shared), which are interleaved in place.
     */
    static FloatWeights of(Config c, float[][] t, boolean sharedClassifier) {
        for (Checkpoint.Tensor tensor : Checkpoint.Tensor.values()) {
            if (t[tensor.ordinal()] != null && isInterleaved(tensor, sharedClassifier)) {
                relayout(t[tensor.ordinal()], c, tensor, true);
            }
        }
        float[] embedding = t[Checkpoint.Tensor.TOKEN_EMBEDDING_TABLE.ordinal()];
        return new FloatWeights(embedding, t[Checkpoint.Tensor.RMS_ATT_WEIGHT.ordinal()],
                t[Checkpoint.Tensor.WQ.ordinal()], t[Checkpoint.Tensor.WK.ordinal()], t[Checkpoint.Tensor.WV.ordinal()],
                t[Checkpoint.Tensor.WO.ordinal()], t[Checkpoint.Tensor.RMS_FFN_WEIGHT.ordinal()],
                t[Checkpoint.Tensor.W1.ordinal()], t[Checkpoint.Tensor.W2.ordinal()], t[Checkpoint.Tensor.W3.ordinal()],
                t[Checkpoint.Tensor.RMS_FINAL_WEIGHT.ordinal()],
                sharedClassifier ? embedding : t[Checkpoint.Tensor.WCLS.ordinal()]);
    }

    /** The matmul weights, and the embedding table when it is the classifier, are interleaved. */
    private static boolean isInterleaved(Checkpoint.Tensor t, boolean sharedClassifier) {
        return t.isMatmul() || t == Checkpoint.Tensor.WCLS
                || (t == Checkpoint.Tensor.TOKEN_EMBEDDING_TABLE && sharedClassifier);
    }

    /** Interleaves (or, with false, de-interleaves) each layer's matrix of tensor t in place. */
    private static void relayout(float[] values, Config c, Checkpoint.Tensor t, boolean interleave) {
        int size = t.rows(c) * t.cols(c);
        for (int l = 0; l < t.layers(c); l++) {
            if (interleave) {
                Kernels.interleaveRows(values, l * size, t.cols(c), t.rows(c));
            } else {
                Kernels.deinterleaveRows(values, l * size, t.cols(c), t.rows(c));
            }
        }
    }

    public boolean sharedClassifier() {
        return wcls == tokenEmbeddingTable;
    }

    /** The array that holds tensor t, in this record's layout. */
    float[] tensor(Checkpoint.Tensor t) {
        return switch (t) {
            case TOKEN_EMBEDDING_TABLE -> tokenEmbeddingTable;
            case RMS_ATT_WEIGHT -> rmsAttWeight;
            case WQ -> wq;
            case WK -> wk;
            case WV -> wv;
            case WO -> wo;
            case RMS_FFN_WEIGHT -> rmsFfnWeight;
            case W1 -> w1;
            case W2 -> w2;
            case W3 -> w3;
            case RMS_FINAL_WEIGHT -> rmsFinalWeight;
            case WCLS -> wcls;
            case FREQ_CIS -> throw new IllegalArgumentException("freq_cis is computed, not held");
        };
    }

    /** Tensor t row-major, as a file holds it: a copy where the layout differs, else the array itself. */
    public float[] rowMajor(Config c, Checkpoint.Tensor t) {
        if (!isInterleaved(t, sharedClassifier())) {
            return tensor(t);
        }
        float[] values = tensor(t).clone();
        relayout(values, c, t, false);
        return values;
    }

    @Override
    public Transformer newTransformer(Config config, int positions) {
        return new FloatTransformer(config, this, positions);
    }
}

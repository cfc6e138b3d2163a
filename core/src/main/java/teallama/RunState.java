package teallama;

/** Buffers for the "wave" of activations in the forward pass, and the KV cache. */
final class RunState {
    final float[] x;          // activation at current time stamp (dim,)
    final float[] xb;         // same, but inside a residual branch (dim,)
    final float[] xb2;        // an additional buffer just for convenience (dim,)
    final float[] hb;         // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] hb2;        // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] q;          // query (dim,)
    final float[] att;        // buffer for scores/attention values (n_heads, positions)
    final float[] logits;     // output logits (vocab_size,)
    final float[] keyCache;   // (layer, positions, kv_dim)
    final float[] valueCache; // (layer, positions, kv_dim)
    final int positions;

    RunState(Config p, int positions) {
        if (positions <= 0 || positions > p.seqLen()) {
            throw new IllegalArgumentException("positions must be within [1, seq_len " + p.seqLen()
                    + "], found " + positions);
        }
        long cacheLength = (long) p.nLayers() * positions * p.kvDim();
        if (cacheLength > Config.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("a KV cache for " + positions + " positions needs " + cacheLength
                    + " floats per cache, more than a Java array holds; ask for fewer steps");
        }
        this.positions = positions;
        x = new float[p.dim()];
        xb = new float[p.dim()];
        xb2 = new float[p.dim()];
        hb = new float[p.hiddenDim()];
        hb2 = new float[p.hiddenDim()];
        q = new float[p.dim()];
        att = new float[p.nHeads() * positions];
        logits = new float[p.vocabSize()];
        keyCache = new float[(int) cacheLength];
        valueCache = new float[(int) cacheLength];
    }
}

package teallama;

import static teallama.Kernels.accumulate;
import static teallama.Kernels.attention;
import static teallama.Kernels.matmulFourRows;
import static teallama.Kernels.rmsnorm;
import static teallama.Kernels.swiglu;

/** run.c's forward pass over fp32 weights. */
public final class FloatTransformer implements Transformer {
    private final Config config;
    private final FloatWeights w;
    private final RunState s;
    private final Rope rope;

    public FloatTransformer(Config config, FloatWeights weights, int positions) {
        this.config = config;
        this.w = weights;
        this.s = new RunState(config, positions);
        this.rope = new Rope(config.headSize(), positions);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public int positions() {
        return s.positions;
    }

    @Override
    public float[] forward(int token, int pos) {
        // a few convenience variables
        Config p = config;
        float[] x = s.x;
        int dim = p.dim();
        int kvDim = p.kvDim();
        int hiddenDim = p.hiddenDim();

        // copy the token embedding into x
        System.arraycopy(w.tokenEmbeddingTable(), token * dim, x, 0, dim);

        // forward all the layers
        for (int l = 0; l < p.nLayers(); l++) {

            // attention rmsnorm
            rmsnorm(s.xb, x, w.rmsAttWeight(), l * dim, dim);

            // key and value are written straight into the kv cache at this position
            int loff = l * s.positions * kvDim; // kv cache layer offset for convenience
            int kvOffset = loff + pos * kvDim;

            // qkv matmuls for this position
            matmulFourRows(s.q, 0, s.xb, w.wq(), l * dim * dim, dim, dim);
            matmulFourRows(s.keyCache, kvOffset, s.xb, w.wk(), l * dim * kvDim, dim, kvDim);
            matmulFourRows(s.valueCache, kvOffset, s.xb, w.wv(), l * dim * kvDim, dim, kvDim);

            // RoPE relative positional encoding: complex-valued rotate q and k in each head
            rope.rotate(s.q, 0, dim, pos);
            rope.rotate(s.keyCache, kvOffset, kvDim, pos);

            // multihead attention over positions 0..pos
            attention(s.xb, s.q, s.keyCache, s.valueCache, loff, s.att, s.positions, pos, p);

            // final matmul to get the output of the attention
            matmulFourRows(s.xb2, 0, s.xb, w.wo(), l * dim * dim, dim, dim);

            // residual connection back into x
            accumulate(x, s.xb2, dim);

            // ffn rmsnorm
            rmsnorm(s.xb, x, w.rmsFfnWeight(), l * dim, dim);

            // Now for FFN in PyTorch we have: self.w2(F.silu(self.w1(x)) * self.w3(x))
            // first calculate self.w1(x) and self.w3(x)
            matmulFourRows(s.hb, 0, s.xb, w.w1(), l * dim * hiddenDim, dim, hiddenDim);
            matmulFourRows(s.hb2, 0, s.xb, w.w3(), l * dim * hiddenDim, dim, hiddenDim);

            // SwiGLU non-linearity
            swiglu(s.hb, s.hb2, hiddenDim);

            // final matmul to get the output of the ffn
            matmulFourRows(s.xb, 0, s.hb, w.w2(), l * dim * hiddenDim, hiddenDim, dim);

            // residual connection
            accumulate(x, s.xb, dim);
        }

        // final rmsnorm
        rmsnorm(x, x, w.rmsFinalWeight(), 0, dim);

        // classifier into logits
        matmulFourRows(s.logits, 0, x, w.wcls(), 0, dim, p.vocabSize());
        return s.logits;
    }
}

package teallama;

import static teallama.Kernels.accumulate;
import static teallama.Kernels.attention;
import static teallama.Kernels.matmul;
import static teallama.Kernels.quantize;
import static teallama.Kernels.rmsnorm;
import static teallama.Kernels.swiglu;

/** runq.c's forward pass: Q8_0 weights, activations quantized per group before each matmul. */
public final class QuantizedTransformer implements Transformer {
    private final Config config;
    private final QuantizedWeights w;
    private final RunState s;
    private final QuantizedTensor xq; // quantized x (dim,)
    private final QuantizedTensor hq; // quantized hb (hidden_dim,)
    private final Rope rope;

    public QuantizedTransformer(Config config, QuantizedWeights weights, int positions) {
        this.config = config;
        this.w = weights;
        this.s = new RunState(config, positions);
        this.xq = QuantizedTensor.allocate(config.dim(), weights.groupSize());
        this.hq = QuantizedTensor.allocate(config.hiddenDim(), weights.groupSize());
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
        int gs = w.groupSize();

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
            quantize(xq, s.xb, dim, gs);
            matmul(s.q, 0, xq, w.wq()[l], dim, dim, gs);
            matmul(s.keyCache, kvOffset, xq, w.wk()[l], dim, kvDim, gs);
            matmul(s.valueCache, kvOffset, xq, w.wv()[l], dim, kvDim, gs);

            // RoPE relative positional encoding: complex-valued rotate q and k in each head
            rope.rotate(s.q, 0, dim, pos);
            rope.rotate(s.keyCache, kvOffset, kvDim, pos);

            // multihead attention over positions 0..pos
            attention(s.xb, s.q, s.keyCache, s.valueCache, loff, s.att, s.positions, pos, p);

            // final matmul to get the output of the attention
            quantize(xq, s.xb, dim, gs);
            matmul(s.xb2, 0, xq, w.wo()[l], dim, dim, gs);

            // residual connection back into x
            accumulate(x, s.xb2, dim);

            // ffn rmsnorm
            rmsnorm(s.xb, x, w.rmsFfnWeight(), l * dim, dim);

            // Now for FFN in PyTorch we have: self.w2(F.silu(self.w1(x)) * self.w3(x))
            // first calculate self.w1(x) and self.w3(x)
            quantize(xq, s.xb, dim, gs);
            matmul(s.hb, 0, xq, w.w1()[l], dim, hiddenDim, gs);
            matmul(s.hb2, 0, xq, w.w3()[l], dim, hiddenDim, gs);

            // SwiGLU non-linearity
            swiglu(s.hb, s.hb2, hiddenDim);

            // final matmul to get the output of the ffn
            quantize(hq, s.hb, hiddenDim, gs);
            matmul(s.xb, 0, hq, w.w2()[l], hiddenDim, dim, gs);

            // residual connection
            accumulate(x, s.xb, dim);
        }

        // final rmsnorm
        rmsnorm(x, x, w.rmsFinalWeight(), 0, dim);

        // classifier into logits
        quantize(xq, x, dim, gs);
        matmul(s.logits, 0, xq, w.wcls(), dim, p.vocabSize(), gs);
        return s.logits;
    }
}

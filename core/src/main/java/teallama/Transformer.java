package teallama;

import static teallama.Kernels.accumulate;
import static teallama.Kernels.attention;
import static teallama.Kernels.rmsnorm;
import static teallama.Kernels.swiglu;

import teallama.Checkpoint.Tensor;

/**
 * The forward pass: one token at one position in, logits for the next token out. It is the same
 * for run.c's fp32 weights and runq.c's int8 ones; the subclasses supply the matmuls, and runq.c
 * quantizes each matmul input, which {@link #input} is for.
 */
public abstract class Transformer {
    private final Config config;
    private final RunState s;
    private final Rope rope;
    private final float[] rmsAttWeight;        // (layer, dim)
    private final float[] rmsFfnWeight;        // (layer, dim)
    private final float[] rmsFinalWeight;      // (dim,)

    Transformer(Config config, int positions, float[] rmsAttWeight, float[] rmsFfnWeight, float[] rmsFinalWeight) {
        this.config = config;
        this.s = new RunState(config, positions);
        this.rope = new Rope(config.headSize(), positions);
        this.rmsAttWeight = rmsAttWeight;
        this.rmsFfnWeight = rmsFfnWeight;
        this.rmsFinalWeight = rmsFinalWeight;
    }

    public Config config() {
        return config;
    }

    /** How many positions the KV cache holds (at most seq_len). */
    public int positions() {
        return s.positions;
    }

    /** Copies the token's row of the embedding table into out (dim,). */
    abstract void embed(int token, float[] out);

    /** Takes x (n,) as the input of the matmuls that follow, until the next call. */
    abstract void input(float[] x, int n);

    /** W (d,n) @ input (n,) -> xout (d,) at xoutOffset, W being tensor t of layer l. */
    abstract void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int d);

    /**
     * Runs the token at position pos (0 <= pos < positions(), with positions 0..pos-1 already run)
     * and returns the logits (vocab_size,). The array is reused by the next call.
     */
    public final float[] forward(int token, int pos) {
        // a few convenience variables
        Config p = config;
        float[] x = s.x;
        int dim = p.dim();
        int kvDim = p.kvDim();
        int hiddenDim = p.hiddenDim();

        // copy the token embedding into x
        embed(token, x);

        // forward all the layers
        for (int l = 0; l < p.nLayers(); l++) {

            // attention rmsnorm
            rmsnorm(s.xb, x, rmsAttWeight, l * dim, dim);

            // key and value are written straight into the kv cache at this position
            int loff = l * s.positions * kvDim; // kv cache layer offset for convenience
            int kvOffset = loff + pos * kvDim;

            // qkv matmuls for this position
            input(s.xb, dim);
            matmul(s.q, 0, Tensor.WQ, l, dim, dim);
            matmul(s.keyCache, kvOffset, Tensor.WK, l, dim, kvDim);
            matmul(s.valueCache, kvOffset, Tensor.WV, l, dim, kvDim);

            // RoPE relative positional encoding: complex-valued rotate q and k in each head
            rope.rotate(s.q, 0, dim, pos);
            rope.rotate(s.keyCache, kvOffset, kvDim, pos);

            // multihead attention over positions 0..pos
            attention(s.xb, s.q, s.keyCache, s.valueCache, loff, s.att, s.positions, pos, p);

            // final matmul to get the output of the attention
            input(s.xb, dim);
            matmul(s.xb2, 0, Tensor.WO, l, dim, dim);

            // residual connection back into x
            accumulate(x, s.xb2, dim);

            // ffn rmsnorm
            rmsnorm(s.xb, x, rmsFfnWeight, l * dim, dim);

            // Now for FFN in PyTorch we have: self.w2(F.silu(self.w1(x)) * self.w3(x))
            // first calculate self.w1(x) and self.w3(x)
            input(s.xb, dim);
            matmul(s.hb, 0, Tensor.W1, l, dim, hiddenDim);
            matmul(s.hb2, 0, Tensor.W3, l, dim, hiddenDim);

            // SwiGLU non-linearity
            swiglu(s.hb, s.hb2, hiddenDim);

            // final matmul to get the output of the ffn
            input(s.hb, hiddenDim);
            matmul(s.xb, 0, Tensor.W2, l, hiddenDim, dim);

            // residual connection
            accumulate(x, s.xb, dim);
        }

        // final rmsnorm
        rmsnorm(x, x, rmsFinalWeight, 0, dim);

        // classifier into logits
        input(x, dim);
        matmul(s.logits, 0, Tensor.WCLS, 0, dim, p.vocabSize());
        return s.logits;
    }
}

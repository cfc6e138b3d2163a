package teallama;

import teallama.Checkpoint.Tensor;

/** run.c's matmuls: fp32 weights, all layers of a tensor in one array. */
final class FloatTransformer extends Transformer {
    private final FloatWeights w;
    private float[] x;

    FloatTransformer(Config config, FloatWeights weights, int positions) {
        super(config, positions, weights.rmsAttWeight(), weights.rmsFfnWeight(), weights.rmsFinalWeight());
        this.w = weights;
    }

    @Override
    void embed(int token, float[] out) {
        int dim = out.length;
        if (w.sharedClassifier()) {
            Kernels.interleavedRow(out, w.tokenEmbeddingTable(), 0, dim, config().vocabSize(), token);
        } else {
            System.arraycopy(w.tokenEmbeddingTable(), token * dim, out, 0, dim);
        }
    }

    @Override
    void input(float[] x, int n) {
        this.x = x;
    }

    @Override
    void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int d) {
        Kernels.matmulInterleaved(xout, xoutOffset, x, w.tensor(t), l * n * d, n, d);
    }
}

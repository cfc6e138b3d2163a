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
        float[] weights = switch (t) {
            case WQ -> w.wq();
            case WK -> w.wk();
            case WV -> w.wv();
            case WO -> w.wo();
            case W1 -> w.w1();
            case W2 -> w.w2();
            case W3 -> w.w3();
            case WCLS -> w.wcls();
            default -> throw new IllegalArgumentException(t + " is not a matmul weight");
        };
        Kernels.matmulInterleaved(xout, xoutOffset, x, weights, l * n * d, n, d);
    }
}

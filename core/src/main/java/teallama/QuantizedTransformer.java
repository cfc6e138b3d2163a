package teallama;

import teallama.Checkpoint.Tensor;

/** runq.c's matmuls: Q8_0 weights, and each input quantized in groups before its matmuls. */
final class QuantizedTransformer extends Transformer {
    private final QuantizedWeights w;
    private final QuantizedTensor x; // the quantized input (max(dim, hidden_dim),), first n in use

    QuantizedTransformer(Config config, QuantizedWeights weights, int positions) {
        super(config, positions, weights.tokenEmbeddingTable(), weights.rmsAttWeight(), weights.rmsFfnWeight(),
                weights.rmsFinalWeight());
        this.w = weights;
        this.x = QuantizedTensor.allocate(Math.max(config.dim(), config.hiddenDim()), weights.groupSize());
    }

    @Override
    void input(float[] input, int n) {
        Kernels.quantize(x, input, n, w.groupSize());
    }

    @Override
    void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int d) {
        QuantizedTensor weights = switch (t) {
            case WQ -> w.wq()[l];
            case WK -> w.wk()[l];
            case WV -> w.wv()[l];
            case WO -> w.wo()[l];
            case W1 -> w.w1()[l];
            case W2 -> w.w2()[l];
            case W3 -> w.w3()[l];
            case WCLS -> w.wcls();
            default -> throw new IllegalArgumentException(t + " is not a matmul weight");
        };
        Kernels.matmul(xout, xoutOffset, x, weights, n, d, w.groupSize());
    }
}

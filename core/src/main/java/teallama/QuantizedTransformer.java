package teallama;

import teallama.Checkpoint.Tensor;
import teallama.parallel.Exchange;

/** runq.c's matmuls: Q8_0 weights, and each input quantized in groups before its matmuls. */
final class QuantizedTransformer extends Transformer {
    private final QuantizedWeights w;
    private final int vocabFrom; // the first row of the embedding table this shard holds
    private final Q8Input x;     // the quantized input (max(dim, hidden_dim),), first n in use

    QuantizedTransformer(QuantizedWeights weights, int positions, Exchange exchange) {
        super(weights, positions, exchange, weights.wcls().memory(), weights.rmsAttWeight(), weights.rmsFfnWeight(),
                weights.rmsFinalWeight());
        this.w = weights;
        this.vocabFrom = weights.plan().vocab().from(weights.shard());
        Config config = weights.plan().config();
        try {
            this.x = new Q8Input(Math.max(config.dim(), config.hiddenDim()), weights.groupSize());
        } catch (OutOfMemoryError e) {
            release(); // the KV cache's room in memory, which nothing collects
            throw e;
        }
    }

    /** runq.c dequantizes the whole table at load; the one row it reads has the same values. */
    @Override
    void embed(int token, float[] out) {
        w.tokenEmbeddingTable().row(token - vocabFrom, out);
    }

    @Override
    void input(float[] input, int n) {
        x.set(input, n);
        if (memory != null) {
            memory.input(x);
        }
    }

    @Override
    void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int rows) {
        Q8Matrix weights = switch (t) {
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
        if (memory != null) {
            memory.matmul(xout, xoutOffset, x, weights);
        } else {
            Q8Kernels.matmul(xout, xoutOffset, x, weights);
        }
    }
}

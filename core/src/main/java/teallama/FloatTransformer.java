package teallama;

import teallama.Checkpoint.Tensor;
import teallama.parallel.Exchange;

/** run.c's matmuls: fp32 weights, all layers of a tensor in one array. */
final class FloatTransformer extends Transformer {
    private final FloatWeights w;
    private final int vocabFrom; // the first row of the embedding table this shard holds
    private float[] x;

    FloatTransformer(FloatWeights weights, int positions, Exchange exchange) {
        super(weights, positions, exchange, weights.rmsAttWeight(), weights.rmsFfnWeight(), weights.rmsFinalWeight());
        this.w = weights;
        this.vocabFrom = weights.plan().vocab().from(weights.shard());
    }

    @Override
    void embed(int token, float[] out) {
        int dim = out.length;
        int row = token - vocabFrom;
        if (w.sharedClassifier()) {
            int rows = w.plan().vocab().size(w.shard());
            Kernels.interleavedRow(out, w.tokenEmbeddingTable(), 0, dim, rows, row);
        } else {
            System.arraycopy(w.tokenEmbeddingTable(), row * dim, out, 0, dim);
        }
    }

    @Override
    void input(float[] x, int n) {
        this.x = x;
    }

    @Override
    void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int rows) {
        Kernels.matmulInterleaved(xout, xoutOffset, x, w.tensor(t), l * n * rows, n, rows);
    }
}

package teallama;

import teallama.Checkpoint.Tensor;
import teallama.parallel.Exchange;

/**
 * run.c's matmuls: fp32 weights, all layers of a tensor in one array, or each layer's matrix in
 * the platform's {@link MatrixMemory}.
 */
final class FloatTransformer extends Transformer {
    private final FloatWeights w;
    private final int vocabFrom; // the first row of the embedding table this shard holds
    private float[] x;

    FloatTransformer(FloatWeights weights, int positions, Exchange exchange) {
        super(weights, positions, exchange, weights.memory(), weights.rmsAttWeight(), weights.rmsFfnWeight(),
                weights.rmsFinalWeight());
        this.w = weights;
        this.vocabFrom = weights.plan().vocab().from(weights.shard());
    }

    @Override
    void embed(int token, float[] out) {
        int dim = out.length;
        int row = token - vocabFrom;
        if (w.sharedClassifier()) {
            int rows = w.plan().vocab().size(w.shard());
            if (memory != null) {
                memory.interleavedRow(out, w.address(Tensor.TOKEN_EMBEDDING_TABLE, 0), dim, rows, row);
            } else {
                Kernels.interleavedRow(out, w.tokenEmbeddingTable(), 0, dim, rows, row);
            }
        } else {
            System.arraycopy(w.tokenEmbeddingTable(), row * dim, out, 0, dim);
        }
    }

    @Override
    void input(float[] x, int n) {
        if (memory != null) {
            memory.input(x, n);
        } else {
            this.x = x;
        }
    }

    @Override
    void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int rows) {
        if (memory != null) {
            memory.matmulInterleaved(xout, xoutOffset, w.address(t, l), n, rows);
        } else {
            Kernels.matmulInterleaved(xout, xoutOffset, x, w.tensor(t), l * n * rows, n, rows);
        }
    }
}

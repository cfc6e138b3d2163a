package teallama;

import teallama.Checkpoint.Tensor;
import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;

/**
 * fp32 weights, as run.c holds them: one flat array per tensor, all layers back to back, except
 * that a shard holds only its rows of each matrix ({@link ShardPlan}) and each layer's matrix has
 * its rows interleaved in blocks of 8 for the fast matmul ({@link Kernels#interleaveRows}); the
 * embedding table is interleaved too when it is the classifier. The norms are whole, as in the file.
 * Where a platform offers a {@link MatrixMemory}, the interleaved tensors are held there instead,
 * and their arrays are null.
 */
public record FloatWeights(
        ShardPlan plan,
        int shard,
        float[] tokenEmbeddingTable, // (vocab rows of the shard, dim)
        float[] rmsAttWeight,        // (layer, dim) rmsnorm weights
        float[] wq,                  // (layer, head rows of the shard, dim): rows of n_heads * head_size
        float[] wk,                  // (layer, kv head rows of the shard, dim): rows of n_kv_heads * head_size
        float[] wv,                  // (layer, kv head rows of the shard, dim)
        float[] wo,                  // (layer, dim rows of the shard, n_heads * head_size)
        float[] rmsFfnWeight,        // (layer, dim)
        float[] w1,                  // (layer, hidden rows of the shard, dim)
        float[] w2,                  // (layer, dim rows of the shard, hidden_dim)
        float[] w3,                  // (layer, hidden rows of the shard, dim)
        float[] rmsFinalWeight,      // (dim,)
        float[] wcls,                // (vocab rows of the shard, dim), the embedding table itself when shared
        MatrixMemory memory,         // where the interleaved tensors are held, or null: in their arrays
        int[][] addresses)           // (tensor, layer) their addresses in memory, by Tensor#ordinal()
        implements Weights {

    /**
     * One shard holding whole tensors, from row-major arrays indexed by {@link Tensor#ordinal()} as
     * a file holds them (WCLS absent when shared), which are interleaved in place.
     */
    static FloatWeights of(Config c, float[][] t, boolean sharedClassifier) {
        ShardPlan plan = ShardPlan.single(c);
        for (Tensor tensor : Tensor.values()) {
            if (t[tensor.ordinal()] != null && isInterleaved(tensor, sharedClassifier)) {
                relayout(t[tensor.ordinal()], tensor.layers(c), tensor.rows(c), tensor.cols(c), true);
            }
        }
        return ofShard(plan, 0, t, sharedClassifier, null, null);
    }

    /**
     * Shard `shard` of the plan, from arrays of its rows indexed by {@link Tensor#ordinal()}, already
     * laid out, and, with a memory, the addresses of the interleaved tensors held there instead
     * (indexed the same way, then by layer).
     */
    static FloatWeights ofShard(ShardPlan plan, int shard, float[][] t, boolean sharedClassifier,
                                MatrixMemory memory, int[][] addresses) {
        float[] embedding = t[Tensor.TOKEN_EMBEDDING_TABLE.ordinal()];
        if (memory != null && sharedClassifier) {
            addresses[Tensor.WCLS.ordinal()] = addresses[Tensor.TOKEN_EMBEDDING_TABLE.ordinal()];
        }
        return new FloatWeights(plan, shard, embedding, t[Tensor.RMS_ATT_WEIGHT.ordinal()],
                t[Tensor.WQ.ordinal()], t[Tensor.WK.ordinal()], t[Tensor.WV.ordinal()],
                t[Tensor.WO.ordinal()], t[Tensor.RMS_FFN_WEIGHT.ordinal()],
                t[Tensor.W1.ordinal()], t[Tensor.W2.ordinal()], t[Tensor.W3.ordinal()],
                t[Tensor.RMS_FINAL_WEIGHT.ordinal()],
                sharedClassifier ? embedding : t[Tensor.WCLS.ordinal()], memory, addresses);
    }

    /** The matmul weights, and the embedding table when it is the classifier, are interleaved. */
    public static boolean isInterleaved(Tensor t, boolean sharedClassifier) {
        return t.isMatmul() || t == Tensor.WCLS || (t == Tensor.TOKEN_EMBEDDING_TABLE && sharedClassifier);
    }

    /** Interleaves (or, with false, de-interleaves) each layer's (rows, cols) matrix of values in place. */
    static void relayout(float[] values, int layers, int rows, int cols, boolean interleave) {
        int size = rows * cols;
        for (int l = 0; l < layers; l++) {
            if (interleave) {
                Kernels.interleaveRows(values, l * size, cols, rows);
            } else {
                Kernels.deinterleaveRows(values, l * size, cols, rows);
            }
        }
    }

    public boolean sharedClassifier() {
        return memory == null ? wcls == tokenEmbeddingTable
                : addresses[Tensor.WCLS.ordinal()] == addresses[Tensor.TOKEN_EMBEDDING_TABLE.ordinal()];
    }

    /** Where layer l of interleaved tensor t is held in {@link #memory}. */
    int address(Tensor t, int l) {
        return addresses[t.ordinal()][l];
    }

    /** The array that holds tensor t, in this record's layout. */
    float[] tensor(Tensor t) {
        if (memory != null && isInterleaved(t, sharedClassifier())) {
            throw new IllegalStateException(t.fileName() + " is held in the platform's memory, not in an array");
        }
        return switch (t) {
            case TOKEN_EMBEDDING_TABLE -> tokenEmbeddingTable;
            case RMS_ATT_WEIGHT -> rmsAttWeight;
            case WQ -> wq;
            case WK -> wk;
            case WV -> wv;
            case WO -> wo;
            case RMS_FFN_WEIGHT -> rmsFfnWeight;
            case W1 -> w1;
            case W2 -> w2;
            case W3 -> w3;
            case RMS_FINAL_WEIGHT -> rmsFinalWeight;
            case WCLS -> wcls;
            case FREQ_CIS -> throw new IllegalArgumentException("freq_cis is computed, not held");
        };
    }

    /**
     * Tensor t of a one-shard model row-major, as a file holds it: a copy where the layout differs,
     * else the array itself.
     */
    public float[] rowMajor(Tensor t) {
        if (plan.shards() != 1) {
            throw new IllegalStateException("only a model held as one shard can be written");
        }
        if (!isInterleaved(t, sharedClassifier())) {
            return tensor(t);
        }
        Config c = plan.config();
        float[] values = tensor(t).clone();
        relayout(values, t.layers(c), t.rows(c), t.cols(c), false);
        return values;
    }

    @Override
    public Transformer newTransformer(int positions, Exchange exchange) {
        return new FloatTransformer(this, positions, exchange);
    }
}

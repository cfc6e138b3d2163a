package teallama.parallel;

import teallama.Checkpoint.Tensor;
import teallama.Config;
import teallama.Kernels;

/**
 * How a model splits into shards for tensor parallelism that cannot change a result: every
 * output element of a matmul is computed whole by one shard, in run.c's order of summation.
 *
 * <p>Each shard owns a contiguous range of the output rows of every matrix (in whole blocks of
 * the 8 rows the fp32 matmul interleaves): rows of wo and w2 (dim), of w1 and w3 (hidden_dim), and
 * of the classifier and the embedding table (vocab_size). Attention splits by key/value heads: a
 * shard owns a range of kv heads, the query heads that share them, their rows of wq, wk and wv and
 * their part of the KV cache, and attends locally. With more shards than kv heads, some shards own
 * no heads and only their rows of the other matrices. Between the matmuls the shards exchange the
 * parts of the activation vectors they computed ({@link Exchange}); the norms, the residual
 * additions and the quantization of activations are repeated by every shard on whole vectors.
 */
public final class ShardPlan {
    /** Rows are split in whole blocks of the rows that the fp32 matmul interleaves. */
    public static final int BLOCK_ROWS = Kernels.INTERLEAVED_ROWS;

    private final Config config;
    private final Split kvHeads; // kv heads of each shard
    private final Split dim;     // rows of wo and w2, and the elements of the residual stream
    private final Split hidden;  // rows of w1 and w3
    private final Split vocab;   // rows of the classifier and the embedding table
    private final Split vocabBlocks; // the logits' blocks of Kernels.EXP_BLOCK, as vocab splits them

    private ShardPlan(Config config, int shards) {
        this.config = config;
        this.kvHeads = Split.evenBlocks(config.nKvHeads(), shards, 1);
        this.dim = Split.evenBlocks(config.dim(), shards, BLOCK_ROWS);
        this.hidden = Split.evenBlocks(config.hiddenDim(), shards, BLOCK_ROWS);
        this.vocab = Split.evenBlocks(config.vocabSize(), shards, BLOCK_ROWS);
        this.vocabBlocks = vocab.inBlocksOf(Kernels.EXP_BLOCK);
    }

    /**
     * A plan of the requested number of shards, or fewer where the model is too small for them:
     * a shard that would own no rows of dim would idle through most of the forward pass.
     */
    public static ShardPlan of(Config config, int requested) {
        if (requested < 1) {
            throw new IllegalArgumentException("the number of shards must be at least 1, found " + requested);
        }
        long blocksOfDim = ((long) config.dim() + BLOCK_ROWS - 1) / BLOCK_ROWS;
        return new ShardPlan(config, (int) Math.min(requested, blocksOfDim));
    }

    /** The model bytes that make one more thread worth its meetings. */
    public static final long BYTES_PER_THREAD = 16 << 20;

    /**
     * Threads worth running a model file of fileBytes on, at most most: one per 16 MiB. The
     * threads meet several times a layer, and a small model's token is over before that pays
     * (BENCHMARKS.md: stories260K runs faster on one thread than on two, by more than the noise of
     * a run; the 15M shape mostly gains on two).
     */
    public static int worthwhileShards(long fileBytes, int most) {
        return (int) Math.max(1, Math.min(most, fileBytes / BYTES_PER_THREAD));
    }

    /**
     * The plan a model file of fileBytes runs on when asked for requested shards: as many, or
     * with worthwhile the most, as many as the file's size makes worth running.
     */
    public static ShardPlan forFile(Config config, long fileBytes, int requested, boolean worthwhile) {
        return of(config, worthwhile ? worthwhileShards(fileBytes, requested) : requested);
    }

    public static ShardPlan single(Config config) {
        return of(config, 1);
    }

    public Config config() {
        return config;
    }

    public int shards() {
        return dim.parts();
    }

    /** Query heads of each shard: the heads that share its kv heads. */
    public Split heads() {
        return kvHeads.times(config.kvMul());
    }

    public Split kvHeads() {
        return kvHeads;
    }

    public Split dim() {
        return dim;
    }

    public Split hidden() {
        return hidden;
    }

    public Split vocab() {
        return vocab;
    }

    /**
     * The logits in blocks of {@link Kernels#EXP_BLOCK}, the last one maybe short: block b holds
     * logits [b * EXP_BLOCK, (b + 1) * EXP_BLOCK), and each shard owns its blocks whole (BLOCK_ROWS
     * is a multiple of EXP_BLOCK), so that a block's sum is the same whichever shard takes it
     * ({@link Kernels#blockSumsOfExp}).
     */
    public Split vocabBlocks() {
        return vocabBlocks;
    }

    /** The longest vector the shards exchange: dim, hidden_dim or vocab_size. */
    public int longestExchange() {
        return Math.max(config.dim(), Math.max(config.hiddenDim(), config.vocabSize()));
    }

    /** The rows of one layer's matrix of tensor t that each shard owns. Norms are whole everywhere. */
    public Split rows(Tensor t) {
        int headSize = config.headSize();
        return switch (t) {
            case WQ -> heads().times(headSize);
            case WK, WV -> kvHeads.times(headSize);
            case WO, W2 -> dim;
            case W1, W3 -> hidden;
            case TOKEN_EMBEDDING_TABLE, WCLS -> vocab;
            case RMS_ATT_WEIGHT, RMS_FFN_WEIGHT, RMS_FINAL_WEIGHT, FREQ_CIS -> null;
        };
    }

    /** Whether every shard holds tensor t whole. */
    public static boolean isWhole(Tensor t) {
        return t.isNorm() || t == Tensor.FREQ_CIS;
    }

    @Override
    public String toString() {
        return shards() + " shards: kv heads " + kvHeads + ", dim " + dim + ", hidden " + hidden + ", vocab " + vocab;
    }
}

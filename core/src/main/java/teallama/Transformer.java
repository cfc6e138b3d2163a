package teallama;

import static teallama.Kernels.accumulate;
import static teallama.Kernels.rmsnorm;
import static teallama.Kernels.swiglu;

import teallama.Checkpoint.Tensor;
import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;
import teallama.parallel.Split;

/**
 * The forward pass: one token at one position in, logits for the next token out (or softmax's
 * numerators, {@link #exponentiateAt}). It is the same for run.c's fp32 weights and runq.c's int8
 * ones; the subclasses supply the matmuls, and runq.c quantizes each matmul input, which
 * {@link #input} is for.
 *
 * <p>It runs one shard of the model ({@link ShardPlan}): the shard computes its rows of every
 * matmul and its heads of attention, and meets the other shards through the {@link Exchange}
 * after each of them. A model held as one shard, with {@link Exchange#NONE}, runs run.c's forward
 * pass as it is.
 */
public abstract class Transformer {
    private final Config config;
    private final ShardPlan plan;
    private final int shard;
    private final Exchange exchange;
    final MatrixMemory memory;            // where the matrices are held, and the KV cache may be, or null
    private final RunState s;
    private final Rope rope;
    private final float[] rmsAttWeight;   // (layer, dim)
    private final float[] rmsFfnWeight;   // (layer, dim)
    private final float[] rmsFinalWeight; // (dim,)
    private final Split heads;            // the query heads' vectors in q and xb, by shard
    private final Split[] embedding;      // (owner shard,): the token's row of x comes from its owner
    private final Split shardParts;       // each shard's float of s.largestLogits
    private boolean sumExponentials;      // whether forward() sums them too
    private float temperature;            // above 0: forward() leaves softmax's numerators (exponentiateAt)
    private float exponentiatedAt;        // the temperature the last forward() took them at, or 0

    /** memory: where the matrices are held, and the KV cache may be, or null. */
    Transformer(Weights weights, int positions, Exchange exchange, MatrixMemory memory, float[] rmsAttWeight,
                float[] rmsFfnWeight, float[] rmsFinalWeight) {
        this.plan = weights.plan();
        this.config = plan.config();
        this.shard = weights.shard();
        this.exchange = exchange;
        this.memory = memory;
        // the RoPE tables first: the KV cache may take room in memory, which nothing collects
        this.rope = new Rope(config.headSize(), positions);
        this.s = new RunState(plan, shard, positions, memory);
        this.rmsAttWeight = rmsAttWeight;
        this.rmsFfnWeight = rmsFfnWeight;
        this.rmsFinalWeight = rmsFinalWeight;
        this.heads = plan.heads().times(config.headSize());
        this.embedding = new Split[plan.shards()];
        for (int owner = 0; owner < embedding.length; owner++) {
            embedding[owner] = Split.owner(owner, plan.shards(), config.dim());
        }
        this.shardParts = Split.evenBlocks(plan.shards(), plan.shards(), 1);
    }

    public Config config() {
        return config;
    }

    /** How many positions the KV cache holds (at most seq_len). */
    public int positions() {
        return s.cache.positions();
    }

    /**
     * Gives back the room the KV cache takes in the platform's memory, where it is held there
     * (linear memory is not collected); the transformer is not used after.
     */
    public void release() {
        s.cache.release();
    }

    /**
     * Whether forward() also sums the exponentials of the logits, for {@link #softmaxSum}: the
     * denominator of a softmax at temperature 1, which the inspector shows at temperature 0, where
     * the sampler computes none. Each shard sums its own logits, at the same time as the others.
     * Set on shard 0, which tells the other shards with each position it begins.
     */
    public void sumExponentials(boolean on) {
        sumExponentials = on;
    }

    public boolean sumsExponentials() {
        return sumExponentials;
    }

    /**
     * Above temperature 0, whether forward() leaves softmax's numerators at that temperature in the
     * logits, exp(logit / temperature - largest / temperature) with largest the largest logit of
     * all: each shard takes them for its own logits, at the same time as the others, where run.c's
     * sampler takes them all on one thread, so that the sampler only adds them in order and
     * divides ({@link Sampler#toProbabilities(float[], float)}). Where a logit is not finite, or
     * the largest divided by the temperature overflows, the logits are left as they are
     * ({@link #exponentiatedAt}) for the sampler and the caller's check to see. 0 always leaves
     * them, and so does {@link #sumExponentials}, which is for temperature 0. Set on shard 0, which
     * tells the other shards with each position it begins.
     */
    public void exponentiateAt(float temperature) {
        this.temperature = temperature;
    }

    /**
     * The temperature at which the last forward() left softmax's numerators in place of the
     * logits, or 0 where it left the logits (see {@link #exponentiateAt}).
     */
    public float exponentiatedAt() {
        return exponentiatedAt;
    }

    /**
     * Shard 0, after a forward() that summed the exponentials: the sum of exp(logit - largest)
     * over every logit, as {@link Kernels#sumOfExp} takes it from the logits whole: the same for
     * any number of shards, and within about 1e-5 of the sum Kernels.softmax divides by.
     */
    public float softmaxSum() {
        return Kernels.sumOfBlockSums(s.expSums, s.expSums.length);
    }

    /** Copies the token's row of the embedding table (which this shard holds) into out (dim,). */
    abstract void embed(int token, float[] out);

    /** Takes x (n,) as the input of the matmuls that follow, until the next call. */
    abstract void input(float[] x, int n);

    /**
     * W (rows,n) @ input (n,) -> xout (rows,) at xoutOffset, W being this shard's rows of tensor t
     * of layer l.
     */
    abstract void matmul(float[] xout, int xoutOffset, Tensor t, int l, int n, int rows);

    /**
     * Runs the token at position pos (0 <= pos < positions(), with positions 0..pos-1 already run)
     * and returns the logits (vocab_size,), or softmax's numerators where {@link #exponentiatedAt}
     * says so, whole in shard 0. The array is reused by the next call.
     */
    public final float[] forward(int token, int pos) {
        // a few convenience variables
        Config p = config;
        float[] x = s.x;
        int dim = p.dim();
        int hiddenDim = p.hiddenDim();
        int headSize = p.headSize();
        Split dimRows = plan.dim();
        Split hiddenRows = plan.hidden();
        int qFrom = heads.from(shard);
        int qRows = heads.size(shard);
        int kvDim = plan.kvHeads().size(shard) * headSize; // this shard's part of kv_dim
        exchange.begin(token, pos, sumExponentials, temperature);

        // copy the token embedding into x
        int owner = plan.vocab().partOf(token);
        if (owner == shard) {
            embed(token, x);
        }
        exchange.allGather(x, embedding[owner]);

        // forward all the layers
        for (int l = 0; l < p.nLayers(); l++) {

            // attention rmsnorm
            rmsnorm(s.xb, x, rmsAttWeight, l * dim, dim);

            // qkv matmuls for this position
            input(s.xb, dim);
            matmul(s.q, qFrom, Tensor.WQ, l, dim, qRows);
            matmul(s.k, 0, Tensor.WK, l, dim, kvDim);
            matmul(s.v, 0, Tensor.WV, l, dim, kvDim);

            // RoPE relative positional encoding: complex-valued rotate q and k in each head
            rope.rotate(s.q, qFrom, qRows, pos);
            rope.rotate(s.k, 0, kvDim, pos);

            // key and value go into the kv cache at this position
            s.cache.write(l, pos, s.k, 0, s.v, 0);

            // multihead attention over positions 0..pos, for this shard's heads
            s.cache.attention(s.xb, qFrom, s.q, qFrom, l, pos);
            exchange.allGather(s.xb, heads);

            // final matmul to get the output of the attention
            input(s.xb, dim);
            matmul(s.xb2, dimRows.from(shard), Tensor.WO, l, dim, dimRows.size(shard));
            exchange.allGather(s.xb2, dimRows);

            // residual connection back into x
            accumulate(x, s.xb2, dim);

            // ffn rmsnorm
            rmsnorm(s.xb, x, rmsFfnWeight, l * dim, dim);

            // Now for FFN in PyTorch we have: self.w2(F.silu(self.w1(x)) * self.w3(x))
            // first calculate self.w1(x) and self.w3(x)
            input(s.xb, dim);
            matmul(s.hb, hiddenRows.from(shard), Tensor.W1, l, dim, hiddenRows.size(shard));
            matmul(s.hb2, hiddenRows.from(shard), Tensor.W3, l, dim, hiddenRows.size(shard));

            // SwiGLU non-linearity
            swiglu(s.hb, s.hb2, hiddenRows.from(shard), hiddenRows.size(shard));
            exchange.allGather(s.hb, hiddenRows);

            // final matmul to get the output of the ffn
            input(s.hb, hiddenDim);
            matmul(s.xb, dimRows.from(shard), Tensor.W2, l, hiddenDim, dimRows.size(shard));
            exchange.allGather(s.xb, dimRows);

            // residual connection
            accumulate(x, s.xb, dim);
        }

        // final rmsnorm
        rmsnorm(x, x, rmsFinalWeight, 0, dim);

        // classifier into logits
        input(x, dim);
        int vocabFrom = plan.vocab().from(shard);
        int vocabRows = plan.vocab().size(shard);
        matmul(s.logits, vocabFrom, Tensor.WCLS, 0, dim, vocabRows);
        exponentiatedAt = 0.0f;
        if (sumExponentials || temperature > 0.0f) {
            // the largest logit of all, from each shard's own (infinity where exponentiating finds
            // one that is not finite, which then leaves them all for Generator to refuse)
            s.largestLogits[shard] = vocabRows == 0 ? Float.NEGATIVE_INFINITY
                    : temperature > 0.0f && Kernels.firstNonFinite(s.logits, vocabFrom, vocabRows) >= 0
                    ? Float.POSITIVE_INFINITY : Kernels.max(s.logits, vocabFrom, vocabRows);
            exchange.allGather(s.largestLogits, shardParts);
            float largest = Kernels.max(s.largestLogits, 0, plan.shards());
            if (sumExponentials) {
                // softmax's denominator in pieces that are the same for any number of shards: the
                // exponentials summed over blocks of the vocabulary
                Split blocks = plan.vocabBlocks();
                Kernels.blockSumsOfExp(s.logits, vocabFrom, vocabRows, largest, s.expSums, blocks.from(shard));
                exchange.gatherToFirst(s.expSums, blocks);
            } else if (Float.isFinite(largest / temperature)) {
                // largest / temperature is the largest of the logits divided by it: the division rounds monotonically
                Kernels.softmaxNumerators(s.logits, vocabFrom, vocabRows, temperature, largest / temperature);
                exponentiatedAt = temperature;
            }
        }
        exchange.gatherToFirst(s.logits, plan.vocab());
        return s.logits;
    }
}

package teallama;

import teallama.parallel.ShardPlan;

/**
 * Buffers for the "wave" of activations in the forward pass of one shard, and its part of the KV
 * cache. The activation vectors are whole in every shard: each computes its part, and the
 * exchanges fill in the rest.
 */
final class RunState {
    final float[] x;      // activation at current time stamp (dim,)
    final float[] xb;     // same, but inside a residual branch (dim,)
    final float[] xb2;    // an additional buffer just for convenience (dim,)
    final float[] hb;     // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] hb2;    // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] q;      // query (dim,)
    final float[] k;      // key of the shard's kv heads at this position (kv heads of the shard * head_size,)
    final float[] v;      // value, likewise
    final float[] logits; // output logits, or softmax's numerators (Transformer#exponentiateAt) (vocab_size,)
    final float[] largestLogits; // (shards,): the largest of each shard's logits (above temperature 0, infinity where one is not finite)
    final float[] expSums;  // (vocab blocks,): each block's sum of exp(logit - the largest logit of all)
    final KvCache cache;  // keys and values of the shard's kv heads, (layer, positions)

    /** memory: where the KV cache may be held instead of arrays, or null. */
    RunState(ShardPlan plan, int shard, int positions, MatrixMemory memory) {
        Config p = plan.config();
        int kvDim = plan.kvHeads().size(shard) * p.headSize();
        x = new float[p.dim()];
        xb = new float[p.dim()];
        xb2 = new float[p.dim()];
        hb = new float[p.hiddenDim()];
        hb2 = new float[p.hiddenDim()];
        q = new float[p.dim()];
        k = new float[kvDim];
        v = new float[kvDim];
        logits = new float[p.vocabSize()];
        largestLogits = new float[plan.shards()];
        expSums = new float[plan.vocabBlocks().length()];
        cache = new KvCache(p, positions, plan.kvHeads().from(shard), plan.kvHeads().to(shard), memory);
    }

    /**
     * Bytes the run state of one shard and its RoPE tables take for this many positions, or
     * Long.MAX_VALUE where one of its arrays would be longer than the platform allocates.
     */
    static long bytes(ShardPlan plan, int shard, int positions, Limits limits) {
        Config p = plan.config();
        int kvHeads = plan.kvHeads().size(shard);
        long keys = KvCache.keyLength(p, positions, kvHeads);
        long values = KvCache.valueLength(p, positions, kvHeads);
        long att = positions + 8L;
        long rope = (long) positions * (p.headSize() / 2);
        if (Math.max(Math.max(keys, values), Math.max(att, rope)) > limits.maxArrayLength()) {
            return Long.MAX_VALUE;
        }
        long floats = 6L * p.dim() + 2L * p.hiddenDim() + p.vocabSize() + plan.shards() + plan.vocabBlocks().length()
                + att + keys + values + 2 * rope;
        return 4 * floats;
    }
}

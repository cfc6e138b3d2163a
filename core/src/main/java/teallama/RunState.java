package teallama;

import teallama.parallel.ShardPlan;

/**
 * Buffers for the "wave" of activations in the forward pass of one shard, and its part of the KV
 * cache. The activation vectors are whole in every shard: each computes its part, and the
 * exchanges fill in the rest.
 */
final class RunState {
    final float[] x;          // activation at current time stamp (dim,)
    final float[] xb;         // same, but inside a residual branch (dim,)
    final float[] xb2;        // an additional buffer just for convenience (dim,)
    final float[] hb;         // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] hb2;        // buffer for hidden dimension in the ffn (hidden_dim,)
    final float[] q;          // query (dim,)
    final float[] att;        // buffer for scores/attention values (heads of the shard, positions)
    final float[] logits;     // output logits (vocab_size,)
    final float[] keyCache;   // (layer, positions, kv heads of the shard * head_size)
    final float[] valueCache; // (layer, positions, kv heads of the shard * head_size)
    final int positions;

    RunState(ShardPlan plan, int shard, int positions) {
        Config p = plan.config();
        if (positions <= 0 || positions > p.seqLen()) {
            throw new IllegalArgumentException("positions must be within [1, seq_len " + p.seqLen()
                    + "], found " + positions);
        }
        this.positions = positions;
        x = new float[p.dim()];
        xb = new float[p.dim()];
        xb2 = new float[p.dim()];
        hb = new float[p.hiddenDim()];
        hb2 = new float[p.hiddenDim()];
        q = new float[p.dim()];
        att = new float[(int) attLength(plan, shard, positions)];
        logits = new float[p.vocabSize()];
        keyCache = new float[(int) cacheLength(plan, shard, positions)];
        valueCache = new float[(int) cacheLength(plan, shard, positions)];
    }

    static long attLength(ShardPlan plan, int shard, int positions) {
        return (long) plan.heads().size(shard) * positions;
    }

    static long cacheLength(ShardPlan plan, int shard, int positions) {
        return (long) plan.config().nLayers() * positions * plan.kvHeads().size(shard) * plan.config().headSize();
    }

    /**
     * Bytes the run state of one shard and its RoPE tables take for this many positions, or
     * Long.MAX_VALUE where one of its arrays would be longer than the platform allocates.
     */
    static long bytes(ShardPlan plan, int shard, int positions, Limits limits) {
        Config p = plan.config();
        long att = attLength(plan, shard, positions);
        long cache = cacheLength(plan, shard, positions);
        long rope = (long) positions * (p.headSize() / 2);
        if (Math.max(att, Math.max(cache, rope)) > limits.maxArrayLength()) {
            return Long.MAX_VALUE;
        }
        long floats = 6L * p.dim() + 2L * p.hiddenDim() + p.vocabSize() + att + 2 * cache + 2 * rope;
        return 4 * floats;
    }
}

package teallama.parallel;

/**
 * Where the shards of a model meet during a forward pass ({@link ShardPlan}). Each shard has its
 * own Exchange and its own copies of the activation vectors; a platform implements the meeting
 * (threads on the JVM, workers in the browser). With one shard there is nothing to exchange.
 */
public interface Exchange {

    /**
     * Called by shard 0 as a forward pass starts: the other shards run the same token and
     * position, sum the exponentials of their logits when softmaxSum is true (see
     * {@link teallama.Transformer#sumExponentials}) and take softmax's numerators above
     * temperature 0 (see {@link teallama.Transformer#exponentiateAt}).
     */
    void begin(int token, int pos, boolean softmaxSum, float temperature);

    /**
     * This shard has written its part of buf, [split.from(shard), split.to(shard)); on return buf
     * holds every shard's part. Every shard calls it at the same point of the forward pass.
     */
    void allGather(float[] buf, Split split);

    /** As {@link #allGather}, but only shard 0 needs the whole of buf: the logits. */
    void gatherToFirst(float[] buf, Split split);

    /** One shard: the forward pass of the whole model. */
    Exchange NONE = new Exchange() {
        @Override
        public void begin(int token, int pos, boolean softmaxSum, float temperature) {
        }

        @Override
        public void allGather(float[] buf, Split split) {
        }

        @Override
        public void gatherToFirst(float[] buf, Split split) {
        }
    };
}

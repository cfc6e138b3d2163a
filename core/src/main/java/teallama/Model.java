package teallama;

/** A checkpoint in memory: its shape, the file format it came from, and its weights. */
public record Model(Config config, int version, Weights weights) {

    /** What run.c calls a shared classifier: the logits reuse the token embedding table. */
    public boolean sharedClassifier() {
        return weights instanceof FloatWeights f ? f.sharedClassifier()
                : ((QuantizedWeights) weights).sharedClassifier();
    }

    public long parameterCount() {
        return config.parameterCount(sharedClassifier());
    }

    /** A forward pass with a KV cache for the first {@code positions} positions (at most seq_len). */
    public Transformer newTransformer(int positions) {
        return weights.newTransformer(config, positions);
    }
}

package teallama;

/** The weights of a model, in whichever number format its file holds them. */
public sealed interface Weights permits FloatWeights, QuantizedWeights {

    /** A forward pass over these weights with a KV cache for the first {@code positions} positions. */
    Transformer newTransformer(Config config, int positions);
}

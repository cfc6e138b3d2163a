package teallama;

/** The forward pass: one token at one position in, logits for the next token out. */
public interface Transformer {
    Config config();

    /** How many positions the KV cache holds (at most seq_len). */
    int positions();

    /**
     * Runs the token at position pos (0 <= pos < positions(), with positions 0..pos-1 already run)
     * and returns the logits (vocab_size,). The array is reused by the next call.
     */
    float[] forward(int token, int pos);
}

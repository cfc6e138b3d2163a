package teallama;

/** A story that cannot go on, such as one whose logits are not numbers; the message says where and why. */
public final class GenerationException extends RuntimeException {
    public GenerationException(String message) {
        super(message);
    }
}

package teallama;

/**
 * A model or tokenizer file that cannot be read: the message says what was expected and what
 * was found. Callers that know the file's name put it in front of the message.
 */
public final class FormatException extends RuntimeException {
    public FormatException(String message) {
        super(message);
    }
}

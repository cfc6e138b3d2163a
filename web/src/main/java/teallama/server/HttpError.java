package teallama.server;

/** A request the server answers with an error status and a one-line reason. */
final class HttpError extends Exception {
    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}

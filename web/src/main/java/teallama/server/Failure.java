package teallama.server;

/** What the command line reports in one line and exits 1 for; with the usage text if it was misused. */
final class Failure extends Exception {
    final boolean showUsage;

    Failure(String message) {
        this(message, false);
    }

    Failure(String message, boolean showUsage) {
        super(message, null, false, false);
        this.showUsage = showUsage;
    }
}

package teallama;

/**
 * What the platform can hold: the longest array it allocates and the bytes free for a model and
 * its run. Checked before anything is allocated, so a header cannot make Teallama try to take
 * more than there is.
 */
public record Limits(
        int maxArrayLength, // elements of the longest Java array
        long freeBytes) {   // memory free for the weights and the run state

    /** A JVM and no bound on memory: for tests and tools that read what they wrote. */
    public static final Limits UNLIMITED = new Limits(Config.MAX_ARRAY_LENGTH, Long.MAX_VALUE);

    /** What this JVM can still allocate: its maximum heap less what is in use. */
    public static Limits ofJvm() {
        Runtime runtime = Runtime.getRuntime();
        return new Limits(Config.MAX_ARRAY_LENGTH, runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory()));
    }

    /** Whether this platform allocates an array of this many elements. */
    public boolean allowsArray(long length) {
        return length <= maxArrayLength;
    }

    /** A FormatException unless an array of this many elements of tensor or buffer `what` fits. */
    public void checkArray(String what, long length) {
        if (!allowsArray(length)) {
            throw new FormatException(what + " needs an array of " + length + " elements, more than the "
                    + maxArrayLength + " this platform allocates");
        }
    }

    /** Bytes in MiB with one decimal, rounded up: "0.5 MiB". */
    public static String megabytes(long bytes) {
        long tenths = bytes / (1 << 20) * 10 + ((bytes % (1 << 20)) * 10 + (1 << 20) - 1) / (1 << 20);
        return tenths / 10 + "." + tenths % 10 + " MiB";
    }
}

package teallama.cli;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

import teallama.Checkpoint;
import teallama.CheckpointReader;
import teallama.FormatException;
import teallama.Limits;
import teallama.Model;

/** A checkpoint on disk, read as the command line reads it (JVM only). */
public final class ModelFile {
    private ModelFile() {
    }

    /**
     * Reads the file as a stream, split into shards for threads: its header is checked against
     * the file's length (where it has one) before a byte of the weights is read, and the weights go straight into
     * their arrays. A FormatException says what is wrong with the file.
     */
    public static Model read(File file, int threads) throws IOException {
        Limits limits = Limits.ofJvm();
        CheckpointReader reader = CheckpointReader.of(threads, CheckpointReader.ALL_SHARDS, limits);
        try {
            return readInto(reader, file);
        } catch (OutOfMemoryError e) {
            // past the header's check: the heap's free bytes were not all where the arrays could go
            String free = Limits.megabytes(limits.freeBytes()) + " were free";
            throw new FormatException((reader.plan() == null ? "not enough memory to read it: " + free
                    : "its weights need " + Limits.megabytes(reader.weightBytes()) + " of memory, and " + free
                    + ", not enough for Java to make their arrays") + " (give Java more with -Xmx"
                    + (reader.plan() != null && reader.plan().shards() > 1
                            ? ", or run fewer threads with -j: each thread's arrays need room of their own)" : ")"));
        }
    }

    private static Model readInto(CheckpointReader reader, File file) throws IOException {
        try (InputStream in = new FileInputStream(file)) {
            if (file.isFile()) {
                reader.expectSize(file.length()); // a pipe or a device says 0: its bytes are checked as they come
            }
            byte[] buffer = new byte[Checkpoint.HEADER_BYTES];
            int n;
            while ((n = in.read(buffer)) > 0) {
                reader.accept(buffer, 0, n);
                if (buffer.length == Checkpoint.HEADER_BYTES) {
                    buffer = new byte[1 << 20];
                }
            }
        }
        return reader.finish();
    }
}

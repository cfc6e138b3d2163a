package teallama.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Standard output whose failures name it, as "Bad file descriptor" alone does not, and tell a
 * reader that has gone ({@link BrokenPipe}, which Main ends in silence) from the others.
 */
final class StandardOutput extends FilterOutputStream {
    /**
     * The reader has gone (head has what it wanted): run.c dies of SIGPIPE without a word; the
     * JVM ignores SIGPIPE, so the write fails with EPIPE instead.
     */
    static final class BrokenPipe extends IOException {
        BrokenPipe(IOException cause) {
            super("cannot write standard output: " + cause.getMessage(), cause);
        }
    }

    private final boolean pipe; // a write that fails there is EPIPE, whatever words the locale has for it

    StandardOutput(OutputStream out, boolean pipe) {
        super(out);
        this.pipe = pipe;
    }

    /**
     * Whether fd 1 is a blocking pipe or socket, where a write fails only when the reader has
     * gone (Linux; elsewhere false). A non-blocking one may also fail with EAGAIN.
     */
    static boolean isPipe() {
        try {
            int type = (Integer) Files.getAttribute(Path.of("/proc/self/fd/1"), "unix:mode") & 0170000;
            if (type != 0010000 && type != 0140000) { // S_IFIFO, S_IFSOCK
                return false;
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/1"))) {
                if (line.startsWith("flags:")) {
                    return (Integer.parseInt(line.substring("flags:".length()).strip(), 8) & 04000) == 0; // O_NONBLOCK
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void write(byte[] b, int offset, int length) throws IOException {
        try {
            out.write(b, offset, length);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private IOException failed(IOException e) {
        if (pipe || "Broken pipe".equals(e.getMessage())) {
            return new BrokenPipe(e);
        }
        return new IOException("cannot write standard output: " + e.getMessage(), e);
    }
}

package teallama.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Standard output whose failures name it, as "Bad file descriptor" alone does not. */
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

    StandardOutput(OutputStream out) {
        super(out);
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

    private static IOException failed(IOException e) {
        if ("Broken pipe".equals(e.getMessage())) {
            return new BrokenPipe(e);
        }
        return new IOException("cannot write standard output: " + e.getMessage(), e);
    }
}

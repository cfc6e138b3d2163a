package teallama.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Standard input, unless it was closed when the JVM started (run with {@code <&-}): the JVM then
 * opens its own files at fd 0 (lib/modules), and reading stdin would read them as the user's
 * words. run.c's fgets fails there with EBADF and goes on with buffers it never filled.
 */
final class StandardInput {
    private StandardInput() {
    }

    static InputStream of() {
        return holdsJvmFile() ? new Closed() : System.in;
    }

    /**
     * Whether fd 0 is the JVM's runtime image, the first file it opens (Linux; elsewhere false).
     * Only a closed stdin puts it there: no one gives the runtime image as input.
     */
    private static boolean holdsJvmFile() {
        Path stdin = Path.of("/proc/self/fd/0");
        Path modules = Path.of(System.getProperty("java.home"), "lib", "modules");
        try {
            return Files.isRegularFile(stdin) && Files.isRegularFile(modules) && Files.isSameFile(stdin, modules);
        } catch (IOException e) {
            return false;
        }
    }

    private static final class Closed extends InputStream {
        @Override
        public int read() throws IOException {
            throw new IOException("Bad file descriptor");
        }
    }
}

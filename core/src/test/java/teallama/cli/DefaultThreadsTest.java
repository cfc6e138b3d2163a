package teallama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teallama.Shared;

/** -j's default: the cores, at most one per 16 MiB of the model file, and never more than -j allows. */
class DefaultThreadsTest {
    @Test
    void aSmallModelRunsOnOneThread() {
        assertEquals(1, Main.defaultThreads(Shared.model("stories260K.bin").toString(), 8)); // 1 MB
    }

    @Test
    void oneThreadPer16MiBUpToTheCores(@TempDir Path dir) throws IOException {
        Path model = sparse(dir, 58L << 20); // the size of stories15M
        assertEquals(3, Main.defaultThreads(model.toString(), 8));
        assertEquals(2, Main.defaultThreads(model.toString(), 2));
        Path large = sparse(dir, 4L << 30);
        assertEquals(64, Main.defaultThreads(large.toString(), 256));
    }

    @Test
    void aPipeOrADeviceGetsTheCores() {
        assertEquals(4, Main.defaultThreads("/dev/zero", 4));
    }

    private static Path sparse(Path dir, long bytes) throws IOException {
        Path file = dir.resolve(bytes + ".bin");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return file;
    }
}

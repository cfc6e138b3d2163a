package teallama;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared folder of reference models and llama2.c golden outputs: the system property
 * teallama.shared (Maven sets it to ../shared), else the environment variable TEALLAMA_SHARED.
 */
public final class Shared {
    private Shared() {
    }

    public static Path root() {
        String dir = System.getProperty("teallama.shared", System.getenv("TEALLAMA_SHARED"));
        if (dir == null) {
            fail("set -Dteallama.shared or TEALLAMA_SHARED to the folder holding models/ and golden/");
        }
        return Path.of(dir);
    }

    public static Path model(String name) {
        Path path = root().resolve("models").resolve(name);
        if (!Files.isRegularFile(path)) {
            fail("missing " + path + ". stories260K.bin, tok512.bin and tokenizer.bin can be downloaded with: "
                    + "scripts/fetch-models " + path.getParent()
                    + " (random-mini*.bin come with the project's shared folder only)");
        }
        return path;
    }

    public static Path golden(String name) {
        Path path = root().resolve("golden").resolve(name);
        if (!Files.isRegularFile(path)) {
            fail("missing " + path + ": the golden outputs of llama2.c come with the project's shared folder");
        }
        return path;
    }

    public static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path, e);
        }
    }

    public static Model loadModel(String name) {
        return Checkpoint.read(read(model(name)));
    }

    public static Tokenizer loadTokenizer(String name, int vocabSize) {
        return Tokenizer.read(read(model(name)), vocabSize);
    }
}

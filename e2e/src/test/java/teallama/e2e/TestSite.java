package teallama.e2e;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

import teallama.Checkpoint;
import teallama.Config;
import teallama.FloatWeights;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Shared;
import teallama.server.SiteServer;

/**
 * The built site served on 127.0.0.1, at the root and at a sub-path (as GitHub Pages serves a
 * project site), with a models folder made for the tests: the shared reference models, a
 * truncated one, and random weights of stories15M's shape (fp32, slow enough to stop mid-story, and
 * int8).
 */
final class TestSite {
    static final String SUB_PATH = "/teallama/sub/";

    private static TestSite instance;

    final SiteServer root;
    final SiteServer subPath;
    final Path work;

    private TestSite() throws IOException {
        work = Path.of(System.getProperty("teallama.work", "target/e2e"));
        Path models = work.resolve("models");
        Files.createDirectories(models);
        for (String name : new String[] {"stories260K.bin", "tok512.bin", "tokenizer.bin", "random-mini.bin", "random-mini-q80.bin"}) {
            Files.copy(Shared.model(name), models.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] stories260K = Shared.read(Shared.model("stories260K.bin"));
        Files.write(models.resolve("truncated260K.bin"), Arrays.copyOf(stories260K, 500_000));
        Model stories260KModel = Checkpoint.read(stories260K);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(models.resolve("stories260K-q80.bin")))) {
            // groups of 4, as hidden_dim 172 divides no larger power of two
            ModelWriter.writeQuantized(stories260KModel.config(), (FloatWeights) stories260KModel.weights(),
                    ModelWriter.defaultGroupSize(stories260KModel.config()), out);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(models.resolve("random-twelves-q80.bin")))) {
            // groups of 12: the matmuls' loops over eight columns a turn and over the rest, in one group
            Config shape = new Config(48, 144, 2, 4, 2, 512, 64);
            int groupSize = 12;
            ModelWriter.writeQuantized(shape, ModelWriter.randomWeights(shape, true, 48), groupSize, out);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(models.resolve("random-wide-q80.bin")))) {
            // groups of 512, the widest read: each group's sums fill the int8 matmuls' lanes furthest
            Config shape = new Config(512, 1024, 2, 8, 4, 512, 64);
            ModelWriter.writeQuantized(shape, ModelWriter.randomWeights(shape, true, 512), Checkpoint.MAX_GROUP_SIZE, out);
        }
        Path random15M = models.resolve("random15M.bin");
        if (!Files.exists(random15M)) {
            Config shape = new Config(288, 768, 6, 6, 6, 32000, 256);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(random15M))) {
                ModelWriter.write(shape, ModelWriter.randomWeights(shape, true, 15), 0, out);
            }
        }
        Path random15MInt8 = models.resolve("random15M-q80.bin");
        if (!Files.exists(random15MInt8)) {
            Model model = Checkpoint.read(Files.readAllBytes(random15M));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(random15MInt8))) {
                ModelWriter.writeQuantized(model.config(), (FloatWeights) model.weights(),
                        ModelWriter.defaultGroupSize(model.config()), out);
            }
        }
        root = new SiteServer(sitePath(), models, 0, "/");
        subPath = new SiteServer(sitePath(), models, 0, SUB_PATH);
    }

    /** The built site the servers serve. */
    static Path sitePath() {
        return Path.of(System.getProperty("teallama.site", "../web/target/site"));
    }

    /** A copy of the built site, to change and build anew (SiteManifest). */
    static Path copyOfSite() throws IOException {
        Path site = sitePath().toAbsolutePath().normalize();
        Path copy = Files.createTempDirectory(Path.of(System.getProperty("teallama.work", "target/e2e")), "site-");
        try (var files = Files.walk(site)) {
            for (Path file : files.filter((f) -> !f.equals(site)).toList()) {
                Files.copy(file, copy.resolve(site.relativize(file).toString()));
            }
        }
        return copy;
    }

    static synchronized TestSite get() {
        if (instance == null) {
            try {
                instance = new TestSite();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                instance.root.close();
                instance.subPath.close();
            }));
        }
        return instance;
    }

    Path screenshots() {
        try {
            return Files.createDirectories(work.resolve("screenshots"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

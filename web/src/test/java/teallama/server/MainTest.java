package teallama.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teallama.Shared;

/** The jar's command line: its one-line errors, and serving a demo kit with no models folder. */
class MainTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path site() throws IOException {
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("index.html"), "<!DOCTYPE html><title>site</title>");
        return site;
    }

    @Test
    void aPortInUseIsOneLineNamingThePortAndTheOption() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            Run run = run("--port", String.valueOf(port), "--site", site().toString());
            assertEquals(1, run.status());
            assertEquals("teallama-web: port " + port + " on 127.0.0.1 is in use; choose another with --port N "
                    + "(--port 0 picks a free one)\n", run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void badArgumentsAreNamedAboveTheUsage() throws IOException {
        for (List<String> args : List.of(List.of("--port", "http"), List.of("--port", "70000"), List.of("--port"),
                List.of("--bogus", "1"), List.of("kit"), List.of("kit", "out"), List.of("kit", "out", "--model", "m.bin"),
                List.of("kit", "out", "--tokenizer", "t.bin"))) {
            Run run = run(args.toArray(String[]::new));
            assertEquals(1, run.status(), args.toString());
            String first = run.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("teallama-web: "), run.err());
            assertTrue(run.err().contains("Usage: java -jar web/target/teallama-web.jar"), run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace");
        }
        assertEquals("teallama-web: --port expects a number from 0 to 65535, found 'http'",
                run("--port", "http").err().lines().findFirst().orElseThrow());
        assertEquals("teallama-web: --model m.bin has no --tokenizer after it",
                run("kit", "out", "--model", "m.bin").err().lines().findFirst().orElseThrow());
    }

    /** An option this jar does not know is named as unknown, whether or not a value follows it. */
    @Test
    void anUnknownOptionIsCalledUnknown() {
        for (List<String> args : List.of(List.of("--bogus"), List.of("serve"), List.of("--port=8080"),
                List.of("--port", "0", "--bogus"), List.of("kit", "out", "--bogus"))) {
            Run run = run(args.toArray(String[]::new));
            assertEquals(1, run.status(), args.toString());
            assertEquals("teallama-web: unknown option " + args.get(args.size() - 1),
                    run.err().lines().findFirst().orElseThrow(), args.toString());
        }
    }

    /** A --site with no page is named as such; building would not make it (the default site's error says to build). */
    @Test
    void aMissingSiteIsOneLine() throws IOException {
        Path folderNamedIndex = Files.createDirectories(dir.resolve("odd/index.html")).getParent();
        for (Path site : List.of(dir.resolve("nothing"), Files.writeString(dir.resolve("file.txt"), "a file"),
                folderNamedIndex)) {
            Run run = run("--port", "0", "--site", site.toString());
            assertEquals(1, run.status());
            assertEquals("teallama-web: no site at " + site + ": --site expects a folder with an index.html, such as "
                    + "web/target/site or a kit's folder\n", run.err());
        }
    }

    /** A --models that names no folder is refused; an empty one served the working folder, a missing one 404s. */
    @Test
    void aModelsFolderThatIsNoneIsOneLine() throws IOException {
        Path file = Files.writeString(dir.resolve("model.bin"), "not a folder");
        Path missing = dir.resolve("nothing");
        for (List<String> models : List.of(List.of("", "'"), List.of(missing.toString(), "', which does not exist"),
                List.of(file.toString(), "', which is not a folder"))) {
            Run run = run("--port", "0", "--site", site().toString(), "--models", models.get(0));
            assertEquals(1, run.status(), models.toString());
            assertEquals("teallama-web: --models expects a folder of model and tokenizer files, found '" + models.get(0)
                    + models.get(1) + "\n", run.err());
            assertEquals("", run.out());
        }
    }

    /**
     * In the C locale Java's file names are ASCII: a folder named "mödels" cannot be one, and is
     * said so in one line rather than with a stack trace.
     */
    @Test
    void aNameTheLocaleCannotCarryIsOneLine() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "teallama.server.Main", "--port", "0", "--models", "m\u00f6dels");
        builder.environment().remove("LANG");
        builder.environment().remove("LC_CTYPE");
        builder.environment().put("LC_ALL", "C");
        Process process = builder.redirectErrorStream(true).start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, process.exitValue(), said);
        assertTrue(said.startsWith("teallama-web: cannot use the name 'm") && said.endsWith("dels': it holds characters "
                + "that the locale's charset (ANSI_X3.4-1968) cannot carry; run with a UTF-8 locale (e.g. LC_ALL=C.UTF-8)\n")
                && said.lines().count() == 1, said);
    }

    /** A checkout with no ../shared/models: the banner names the folder looked for and how to fill it. */
    @Test
    void missingSharedModelsAreNamedWithHowToFetchThem() throws Exception {
        Path jarDirectory = Files.createDirectories(dir.resolve("checkout/web/target"));
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (SiteServer server = Main.serve(List.of("--site", site().toString(), "--port", "0"),
                new PrintStream(banner, true, StandardCharsets.UTF_8), jarDirectory)) {
            assertEquals("Teallama at " + server.url() + " (no models folder at " + dir.resolve("shared/models")
                    + ": scripts/fetch-models downloads stories260K there; serving the site alone)\nPress Ctrl+C to stop.\n",
                    banner.toString(StandardCharsets.UTF_8));
        }
    }

    /** The kit's "Serve it with" line pastes into a shell as it is: a folder of odd characters is quoted. */
    @Test
    void theServeLineQuotesAFolderAShellWouldSplit() {
        assertEquals("kit/out-1.0", Main.shellWord("kit/out-1.0"));
        assertEquals("'my kit #1?'", Main.shellWord("my kit #1?"));
        assertEquals("'it'\\''s'", Main.shellWord("it's"));
        assertEquals("''", Main.shellWord(""));
    }

    /** kit OUT, then --site OUT alone: the kit's own models/ is served, with its list. */
    @Test
    void aKitIsServedFromItsFolder() throws Exception {
        Path kit = dir.resolve("kit");
        Run made = run("kit", kit.toString(), "--site", site().toString(),
                "--model", Shared.model("stories260K.bin").toString(), "--tokenizer", Shared.model("tok512.bin").toString());
        assertEquals(0, made.status(), made.err());
        assertEquals("Wrote " + kit + ": the site and 1 model\n"
                + "  stories260K: models/stories260K.bin (1056540 bytes), models/tok512.bin (6227 bytes)\n"
                + "Serve it with: java -jar web/target/teallama-web.jar --site " + kit
                + " (or copy it to any static server)\n", made.out());

        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (SiteServer server = Main.serve(List.of("--site", kit.toString(), "--port", "0"),
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            assertEquals("Teallama at " + server.url() + " (models bundled in the site)\nPress Ctrl+C to stop.\n",
                    banner.toString(StandardCharsets.UTF_8));
            int port = URI.create(server.url()).getPort();
            assertEquals("<!DOCTYPE html><title>site</title>", RawHttp.get(port, "/").text());
            assertEquals("application/json", RawHttp.get(port, "/models/index.json").header("Content-Type"));
            assertTrue(RawHttp.get(port, "/models/index.json").text().contains("\"model\": \"stories260K.bin\""));
            assertArrayEquals(Shared.read(Shared.model("stories260K.bin")), RawHttp.get(port, "/models/stories260K.bin").body());
            assertArrayEquals(Shared.read(Shared.model("tok512.bin")), RawHttp.get(port, "/models/tok512.bin").body());
        }
    }
}

package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line in a JVM of its own, started by sh: arguments that are not ASCII, and standard
 * streams that fail. Java decodes arguments with the locale's charset before main runs (in a C
 * locale, ASCII), so their bytes are written with printf in the shell: the test does not depend
 * on its own locale.
 */
class CliProcessTest {
    private static final String RUN = "exec \"$JAVA\" -cp \"$CLASSES\" teallama.cli.Main "
            + "\"$MODELS/stories260K.bin\" -z \"$MODELS/tok512.bin\" ";
    private static final String HELLO = "\"$(printf 'h\\303\\251llo \\360\\237\\230\\200')\""; // héllo 😀

    /** run.c's output for -t 0 -n 40 -i "héllo 😀", whatever the locale. */
    @Test
    void nonAsciiPromptIsTakenAsItsBytes() throws Exception {
        byte[] expected = resource("prompt-non-ascii.txt");
        for (String locale : new String[] {"C", "POSIX", "C.UTF-8"}) {
            Cli cli = shell(locale, null, RUN + "-t 0 -n 40 -i " + HELLO);
            assertEquals(0, cli.status(), cli.stderr());
            assertArrayEquals(expected, cli.stdout(), locale + ": " + cli.text());
        }
    }

    /** Invalid UTF-8 as an argument, even in a UTF-8 locale, where Java turns it into U+FFFD. */
    @Test
    void invalidUtf8PromptIsTakenAsItsBytes() throws Exception {
        byte[] expected = resource("prompt-invalid-utf8.txt");
        for (String locale : new String[] {"C", "C.UTF-8"}) {
            Cli cli = shell(locale, null, RUN + "-t 0 -n 100 -i \"$(cat \"$RESOURCES/prompt-invalid-utf8.in\")\"");
            assertEquals(0, cli.status(), cli.stderr());
            assertArrayEquals(expected, cli.stdout(), locale + ": " + cli.text());
        }
    }

    /** A file name Java cannot carry: said so, rather than "no such file" or a file of another name. */
    @Test
    void nonAsciiPathInACLocaleSaysToUseAUtf8Locale(@TempDir Path dir) throws Exception {
        String advice = ": its name holds bytes that the locale's charset (US-ASCII) cannot carry into Java; "
                + "run with a UTF-8 locale (e.g. LC_ALL=C.UTF-8)\n";
        Cli model = shell("C", dir, "cp \"$MODELS/stories260K.bin\" \"$DIR/$(printf 'mod\\303\\250le.bin')\" && "
                + "exec \"$JAVA\" -cp \"$CLASSES\" teallama.cli.Main \"$DIR/$(printf 'mod\\303\\250le.bin')\" "
                + "-z \"$MODELS/tok512.bin\" -n 4");
        assertEquals(1, model.status());
        assertEquals("teallama: cannot open model file " + dir + "/mod\uFFFD\uFFFDle.bin" + advice, model.stderr());

        Cli probs = shell("C", dir, RUN + "-n 4 --probs \"$DIR/$(printf 'p\\303\\251.jsonl')\"");
        assertEquals(1, probs.status());
        assertEquals(0, probs.stdout().length);
        assertEquals("teallama: cannot open probabilities file " + dir + "/p\uFFFD\uFFFD.jsonl" + advice, probs.stderr());
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("p")), "no probabilities file");
        }
    }

    /**
     * The standard streams as outputs: quantize's model written to /dev/stdout through a pipe comes
     * out whole, its report on stderr; a model read from a pipe has no size to compare with; and
     * --probs into the file that stdout goes to is refused before the story starts, as the two
     * would write over each other from its start.
     */
    @Test
    void outputsThroughTheStandardStreams(@TempDir Path dir) throws Exception {
        String main = "exec \"$JAVA\" -cp \"$CLASSES\" teallama.cli.Main ";
        Path model = Shared.model("random-mini.bin");
        byte[] q80 = Shared.read(Shared.model("random-mini-q80.bin"));
        Cli piped = shell("C", dir, main + "quantize \"$MODELS/random-mini.bin\" /dev/stdout");
        assertEquals(0, piped.status(), piped.stderr());
        assertArrayEquals(q80, piped.stdout());
        assertEquals("wrote /dev/stdout: version 2 (Q8_0, group size 64), 490240 bytes, "
                + String.format(Locale.ROOT, "%.1f", 100.0 * 490240 / Files.size(model)) + "% of " + model + "\n",
                piped.stderr());

        Cli fromPipe = shell("C", dir, "cat \"$MODELS/random-mini.bin\" | " + main + "quantize /dev/stdin \"$DIR/q.bin\"");
        assertEquals(0, fromPipe.status(), fromPipe.stderr());
        assertArrayEquals(q80, Files.readAllBytes(dir.resolve("q.bin")));
        assertEquals("wrote " + dir.resolve("q.bin") + ": version 2 (Q8_0, group size 64), 490240 bytes\n",
                fromPipe.stderr());

        for (String probs : new String[] {"$DIR/story.txt", "/dev/stdout"}) {
            Cli refused = shell("C", dir, RUN + "-n 4 --probs " + probs + " > \"$DIR/story.txt\"");
            assertEquals(1, refused.status());
            assertEquals("teallama: --probs would write over stdout: " + probs.replace("$DIR", dir.toString())
                    + " is the file stdout goes to; give the output another name\n", refused.stderr());
        }
    }

    /** Strings handed to Main.run that hold U+FFFD: their bytes are lost already. */
    @Test
    void pathWithAReplacementCharacterIsRefused() {
        Cli cli = Cli.run(Cli.stories260K("--prompt-file", "caf\uFFFD.txt"));
        assertEquals(1, cli.status());
        assertEquals("teallama: cannot open prompt file caf\uFFFD.txt: its name holds bytes that the locale's charset "
                + "(UTF-8) cannot carry into Java; give a name of valid UTF-8\n", cli.stderr());
    }

    /** Errors of the standard streams name them: the system's words alone do not say which file failed. */
    @Test
    void failingStandardStreamsAreNamed() throws Exception {
        Cli directory = shell("C.UTF-8", null, RUN + "-m chat < /");
        assertEquals(1, directory.status());
        assertEquals("Enter system prompt (optional): ", directory.text());
        assertEquals("teallama: cannot read standard input: Is a directory\n", directory.stderr());

        // a closed stdin: the JVM opens its own files at fd 0 (lib/modules), which is no one's input
        Cli noInput = shell("C.UTF-8", null, RUN + "-m chat <&-");
        assertEquals(1, noInput.status());
        assertEquals("Enter system prompt (optional): ", noInput.text());
        assertEquals("teallama: cannot read standard input: Bad file descriptor\n", noInput.stderr());

        Cli closed = shell("C.UTF-8", null, RUN + "-n 5 >&-");
        assertEquals(1, closed.status());
        assertEquals("teallama: cannot write standard output: Bad file descriptor\n", closed.stderr());

        Cli full = shell("C.UTF-8", null, RUN + "-n 5 > /dev/full");
        assertEquals(1, full.status());
        assertEquals("teallama: cannot write standard output: No space left on device\n", full.stderr());
    }

    /**
     * A reader that stops reading, as head does: run.c dies of SIGPIPE without a word, and its
     * shell sees 128 + 13; Teallama, whose JVM ignores SIGPIPE and gets EPIPE, ends the same way.
     * Chat waits for its system prompt until the pipe is closed; a story and --help start
     * writing after it closed (a JVM takes longer to start than the test to close it; a story may
     * end at BOS after a few hundred tokens, before a pipe closed later would be seen).
     */
    @Test
    void aClosedPipeEndsTheRunSilentlyAsSigpipeDoes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of("target/classes").toAbsolutePath().toString();
        String model = Shared.model("stories260K.bin").toString();
        String tokenizer = Shared.model("tok512.bin").toString();
        List<List<String>> runs = List.of(List.of(model, "-z", tokenizer, "-n", "256"),
                List.of(model, "-z", tokenizer, "-m", "chat", "-n", "512"), List.of("--help"));
        for (List<String> run : runs) {
            List<String> command = new ArrayList<>(List.of(java, "-cp", classes, "teallama.cli.Main"));
            command.addAll(run);
            Process process = new ProcessBuilder(command).start();
            int wanted = run.contains("chat") ? 10 : 0;
            byte[] first = process.getInputStream().readNBytes(wanted);
            process.getInputStream().close();
            process.getOutputStream().close();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(wanted, first.length, run.toString());
            assertEquals("", err, run.toString());
            assertEquals(128 + 13, process.exitValue(), run.toString());
        }
    }

    /**
     * The system's words for EPIPE follow the locale ("Relais brisé (pipe)" in French), and a
     * closed pipe ends the run silently in any of them. The French locale is compiled into a
     * temporary directory; where localedef or its sources are missing, the test is skipped.
     */
    @Test
    void aClosedPipeEndsTheRunSilentlyInAnyLanguage(@TempDir Path dir) throws Exception {
        Process localedef = new ProcessBuilder("localedef", "-i", "fr_FR", "-f", "UTF-8", dir.resolve("fr_FR.UTF-8").toString())
                .redirectErrorStream(true).start();
        localedef.getInputStream().readAllBytes();
        Assumptions.assumeTrue(localedef.waitFor() == 0, "no localedef or no fr_FR locale source");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Path.of("target/classes").toAbsolutePath().toString(), "teallama.cli.Main",
                Shared.model("stories260K.bin").toString(), "-z", Shared.model("tok512.bin").toString(), "-m", "chat",
                "-n", "512");
        builder.environment().put("LOCPATH", dir.toString());
        builder.environment().put("LC_ALL", "fr_FR.UTF-8");
        Process process = builder.start();
        byte[] first = process.getInputStream().readNBytes(10); // chat waits for its system prompt
        process.getInputStream().close();
        process.getOutputStream().close();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(10, first.length);
        assertEquals("", err);
        assertEquals(128 + 13, process.exitValue());
    }

    /** sh -c script with LC_ALL=locale (LANG and LC_CTYPE unset), JAVA, CLASSES, MODELS, RESOURCES and DIR set. */
    private static Cli shell(String locale, Path dir, String script) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script);
        Map<String, String> env = builder.environment();
        env.remove("LANG");
        env.remove("LC_CTYPE");
        env.put("LC_ALL", locale);
        env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("CLASSES", Path.of("target/classes").toAbsolutePath().toString());
        env.put("MODELS", Shared.model("stories260K.bin").getParent().toString());
        env.put("RESOURCES", Path.of("src/test/resources/runc").toAbsolutePath().toString());
        if (dir != null) {
            env.put("DIR", dir.toString());
        }
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Cli(process.exitValue(), out, err.replaceAll("achieved tok/s: [0-9.]+\n", ""));
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = CliProcessTest.class.getResourceAsStream("/runc/" + name)) {
            return in.readAllBytes();
        }
    }
}

package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's errors, clamps and modes. */
class CliTest {

    private static byte[] golden(String file) {
        return Shared.read(Shared.golden("generate/" + file));
    }

    private static void assertFails(Cli cli, String message) {
        assertEquals(1, cli.status());
        assertEquals(0, cli.stdout().length, "nothing on stdout");
        assertTrue(cli.stderr().startsWith("teallama: " + message + "\n"),
                "expected 'teallama: " + message + "', found:\n" + cli.stderr());
        assertFalse(cli.stderr().contains("\tat "), "no stack trace");
    }

    // ----------------------------------------------------------------------------
    // values run.c clamps are clamped the same way

    @Test
    void negativeTemperatureIsGreedy() {
        // case02 is -t 0.0 -p 0.9 -s 1 -n 256
        assertArrayEquals(golden("case02.txt"), Cli.run(Cli.stories260K("-t", "-2", "-s", "1", "-n", "256")).stdout());
    }

    @Test
    void toppOutsideZeroOneIsNinetyPercent() {
        // case06 is -t 1.0 -p 0.9 -s 133742 -n 256
        assertArrayEquals(golden("case06.txt"), Cli.run(Cli.stories260K("-t", "1", "-p", "1.5", "-s", "133742")).stdout());
        assertArrayEquals(golden("case06.txt"), Cli.run(Cli.stories260K("-t", "1", "-p", "-0.1", "-s", "133742")).stdout());
    }

    @Test
    void stepsBeyondSeqLenOrBelowOneMeanSeqLen() {
        // case10 is -t 0.9 -p 0.8 -s 777 -n 512 -i "Tim and Sue", and stories260K's seq_len is 512
        for (String steps : new String[] {"100000", "0", "-5"}) {
            assertArrayEquals(golden("case10.txt"),
                    Cli.run(Cli.stories260K("-t", "0.9", "-p", "0.8", "-s", "777", "-n", steps, "-i", "Tim and Sue")).stdout(),
                    "-n " + steps);
        }
    }

    @Test
    void defaultsAreRunCs() {
        // -t 1.0 -p 0.9 -n 256 by default: case06 with only the seed given
        assertArrayEquals(golden("case06.txt"), Cli.run(Cli.stories260K("-s", "133742")).stdout());
    }

    // ----------------------------------------------------------------------------
    // bad input: one line naming the problem, exit status 1, no stack trace

    @Test
    void missingFiles() {
        assertFails(Cli.run("no-such-model.bin"), "cannot open model file no-such-model.bin: no such file");
        assertFails(Cli.run(Shared.model("stories260K.bin").toString(), "-z", "no-such-tokenizer.bin"),
                "cannot open tokenizer file no-such-tokenizer.bin: no such file");
    }

    @Test
    void emptyAndTruncatedModels(@TempDir Path dir) throws IOException {
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertFails(Cli.run(empty.toString()),
                empty + ": expected a llama2.c checkpoint of at least 28 bytes, found 0 bytes");
        byte[] model = Shared.read(Shared.model("stories260K.bin"));
        Path cut = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(model, 500_000));
        assertFails(Cli.run(cut.toString()), cut + ": truncated checkpoint: its header (version 0, dim 64, "
                + "hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier) "
                + "needs 1056540 bytes, found 500000");
    }

    @Test
    void impossibleHeader(@TempDir Path dir) throws IOException {
        Path bad = Files.write(dir.resolve("bad.bin"), CheckpointTest.legacyHeader(60, 172, 5, 8, 4, 512, 512));
        assertFails(Cli.run(bad.toString()), bad + ": expected a llama2.c checkpoint: the file does not start with "
                + "the magic \"ak42\" of versions 1 and 2, and as a legacy (version 0) header dim 60 is not divisible "
                + "by n_heads 8");
    }

    @Test
    void tokenizerOfAnotherModel() {
        Path tokenizer = Shared.model("tokenizer.bin");
        assertFails(Cli.run(Shared.model("stories260K.bin").toString(), "-z", tokenizer.toString()),
                tokenizer + ": the tokenizer has 32000 entries, the model's vocab_size is 512");
    }

    @Test
    void usageErrors() {
        assertFails(Cli.run(), "expected a checkpoint file");
        assertFails(Cli.run(Cli.stories260K("-x", "1")), "unknown option -x");
        assertFails(Cli.run(Cli.stories260K("-t")), "option -t needs a value");
        assertFails(Cli.run(Cli.stories260K("temperature", "1")), "expected an option like -t, found 'temperature'");
        assertFails(Cli.run(Cli.stories260K("-tt", "1")), "expected an option like -t, found '-tt'");
        assertFails(Cli.run(Cli.stories260K("-m", "poem")), "unknown mode: poem (expected generate or chat)");
        assertTrue(Cli.run(Cli.stories260K("-x", "1")).stderr().contains("Usage:"));
    }

    @Test
    void valuesThatAreNotNumbers() {
        assertFails(Cli.run(Cli.stories260K("-t", "hot")), "option -t expects a number, found 'hot'");
        assertFails(Cli.run(Cli.stories260K("-p", "0.9x")), "option -p expects a number, found '0.9x'");
        assertFails(Cli.run(Cli.stories260K("-s", "1.5")), "option -s expects a whole number, found '1.5'");
        assertFails(Cli.run(Cli.stories260K("-n", "")), "option -n expects a whole number, found ''");
    }

    /** run.c reads -s with atoi into an unsigned 64-bit seed: 4294967297 wraps to 1, like case01. */
    @Test
    void seedsWrapAsInRunC() {
        assertArrayEquals(Cli.run(Cli.stories260K("-t", "1", "-s", "1", "-n", "60")).stdout(),
                Cli.run(Cli.stories260K("-t", "1", "-s", "4294967297", "-n", "60")).stdout());
    }

    // ----------------------------------------------------------------------------
    // chat mode, against run.c's output (see src/test/resources/runc/README.md)

    @Test
    void chatWithPromptsOnTheCommandLine() throws IOException {
        Cli cli = Cli.run(Cli.stories260K("-m", "chat", "-t", "0", "-n", "120", "-i", "Hello", "-y", "Be nice"));
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(resource("chat-stories260K.txt"), cli.stdout());
    }

    @Test
    void chatReadsTurnsFromStdin() throws IOException {
        Cli cli = Cli.runWithInput("Tell me more\nAnd then?\n", Shared.model("random-mini.bin").toString(), "-z",
                Shared.model("tok512.bin").toString(), "-m", "chat", "-t", "1", "-p", "1", "-s", "3", "-n", "128",
                "-i", "Hi", "-y", "Be brief");
        assertEquals(0, cli.status(), cli.stderr());
        assertTrue(cli.text().contains("User: "), "a second turn was read");
        assertArrayEquals(resource("chat-random-mini.txt"), cli.stdout());
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = CliTest.class.getResourceAsStream("/runc/" + name)) {
            return in.readAllBytes();
        }
    }
}

package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's errors, clamps and modes. */
class CliTest {

    private static byte[] golden(String file) {
        return Shared.read(Shared.golden("generate/" + file));
    }

    /** Exit status 1, nothing on stdout, and exactly one line on stderr. */
    private static void assertFails(Cli cli, String message) {
        assertEquals(1, cli.status());
        assertEquals(0, cli.stdout().length, "nothing on stdout");
        assertEquals("teallama: " + message + "\n", cli.stderr());
    }

    private static void assertUsageError(Cli cli, String message) {
        assertFails(cli, message + " (--help shows the usage)");
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
        assertUsageError(Cli.run(), "expected a checkpoint file");
        assertUsageError(Cli.run(Cli.stories260K("-x", "1")), "unknown option -x");
        assertUsageError(Cli.run(Cli.stories260K("--probability", "p.jsonl")), "unknown option --probability");
        assertUsageError(Cli.run(Cli.stories260K("-t")), "option -t needs a value");
        // last, an unknown option is still unknown, not one that lacks its value
        assertUsageError(Cli.run(Cli.stories260K("-n", "5", "-x")), "unknown option -x");
        assertUsageError(Cli.run(Cli.stories260K("--verbose")), "unknown option --verbose");
        assertUsageError(Cli.run(Cli.stories260K("temperature", "1")), "expected an option like -t, found 'temperature'");
        assertUsageError(Cli.run(Cli.stories260K("-tt", "1")), "expected an option like -t, found '-tt'");
        assertUsageError(Cli.run("-j", "2", Shared.model("stories260K.bin").toString()), "expected the checkpoint "
                + "first, as in java -jar teallama.jar <checkpoint> [options], found the option -j");
        assertUsageError(Cli.run("--probs", "p.jsonl", Shared.model("stories260K.bin").toString()), "expected the "
                + "checkpoint first, as in java -jar teallama.jar <checkpoint> [options], found the option --probs");
        assertUsageError(Cli.run(Cli.stories260K("-m", "poem")), "unknown mode: poem (expected generate or chat)");
        assertUsageError(Cli.run(Cli.stories260K("-m", "chat", "-k", "5")), "-k works in generate mode only");
        assertUsageError(Cli.run(Cli.stories260K("-m", "chat", "--probs", "p.jsonl")),
                "--probs works in generate mode only");
        assertUsageError(Cli.run("quantize", "in.bin"), "quantize expects <in.bin> <out.bin> [-g <group size>]");
    }

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, Cli.stories260K("-t", "1", "--help"),
            {"quantize", "--help"}}) {
            Cli cli = Cli.run(args);
            assertEquals(0, cli.status(), String.join(" ", args));
            assertEquals("", cli.stderr());
            assertTrue(cli.text().startsWith("Usage:   java -jar teallama.jar <checkpoint> [options]\n"), cli.text());
            for (String option : new String[] {"-k <int>", "--probs <file>", "--prompt-file <file>",
                "--system-prompt-file <file>", "up to 100000", "quantize"}) {
                assertTrue(cli.text().contains(option), option);
            }
        }
        // as a value, -h is a value: the prompt "-h"
        assertEquals(0, Cli.run(Cli.stories260K("-t", "0", "-n", "3", "-i", "-h")).status());
    }

    /** The working directory of the tests (core/) has no tokenizer.bin. */
    @Test
    void missingDefaultTokenizerSaysToPassZ() {
        assertFails(Cli.run(Shared.model("stories260K.bin").toString()), "cannot open tokenizer file tokenizer.bin "
                + "(the default, in " + Path.of("").toAbsolutePath() + "): no such file; give the model's tokenizer with -z");
    }

    @Test
    void valuesThatAreNotNumbers() {
        assertFails(Cli.run(Cli.stories260K("-t", "hot")), "option -t expects a number, found 'hot'");
        assertFails(Cli.run(Cli.stories260K("-p", "0.9x")), "option -p expects a number, found '0.9x'");
        assertFails(Cli.run(Cli.stories260K("-s", "1.5")), "option -s expects a whole number, found '1.5'");
        assertFails(Cli.run(Cli.stories260K("-n", "")), "option -n expects a whole number, found ''");
    }

    /**
     * -k, -j and -g are Teallama's, with no atoi to copy: a value beyond int is refused as typed,
     * where -k 4294967297 kept 1 token without a word and -g 4294967328 was called "found 32".
     */
    @Test
    void ownOptionsRefuseNumbersBeyondInt(@TempDir Path dir) {
        for (String k : new String[] {"4294967297", "-4294967295"}) {
            assertFails(Cli.run(Cli.stories260K("-t", "0", "-n", "600", "-k", k)),
                    "option -k expects a whole number from -2147483648 to 2147483647, found '" + k + "'");
        }
        // -j names its own range, whatever is wrong with the number
        for (String j : new String[] {"4294967298", "99999999999999999999", "2147483648", "0", "-1", "65", "two", ""}) {
            assertUsageError(Cli.run(Cli.stories260K("-t", "0", "-n", "600", "-j", j)),
                    "option -j expects 1 to 64 threads, found '" + j + "'");
        }
        assertFails(Cli.run("quantize", Shared.model("stories260K.bin").toString(), dir.resolve("q.bin").toString(),
                "-g", "4294967328"), "option -g expects a whole number from -2147483648 to 2147483647, found '4294967328'");
    }

    /** A run refused once its model is read says only why, not how many threads it would have run on. */
    @Test
    void aRefusedRunOnMoreThreadsThanTheModelSplitsIntoSaysOnlyWhy() {
        assertFails(Cli.run(Cli.stories260K("-t", "0", "-j", "16", "-k", "600")), "option -k expects 0 (stop at "
                + "seq_len, as run.c) or 1 to 511 tokens to keep (seq_len is 512), found 600");
        String tokenizer = Shared.model("tokenizer.bin").toString();
        assertFails(Cli.run(Shared.model("stories260K.bin").toString(), "-z", tokenizer, "-j", "16"),
                tokenizer + ": the tokenizer has 32000 entries, the model's vocab_size is 512");
    }

    /** atof reads inf and infinity in any case: -t inf samples from equal probabilities, -inf is greedy, -p ±inf is 0.9. */
    @Test
    void infinityAsAtofReadsIt() throws IOException {
        for (String inf : new String[] {"inf", "INFINITY", "+Inf"}) {
            Cli cli = Cli.run(Cli.stories260K("-t", inf, "-s", "5", "-n", "60"));
            assertEquals(0, cli.status(), cli.stderr());
            assertArrayEquals(resource("temperature-inf.txt"), cli.stdout(), "-t " + inf);
        }
        // case02 is -t 0 -s 1 -n 256, case06 -t 1.0 -p 0.9 -s 133742 -n 256
        assertArrayEquals(golden("case02.txt"), Cli.run(Cli.stories260K("-t", "-inf", "-s", "1", "-n", "256")).stdout());
        for (String inf : new String[] {"infinity", "-Inf"}) {
            assertArrayEquals(golden("case06.txt"), Cli.run(Cli.stories260K("-t", "1", "-p", inf, "-s", "133742")).stdout(),
                    "-p " + inf);
        }
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

    /** At temperature 1 on 1 to 3 threads, whose shards take softmax's numerators at every position. */
    @Test
    void chatReadsTurnsFromStdin() throws IOException {
        for (String threads : new String[] {"1", "2", "3"}) {
            Cli cli = Cli.runWithInput("Tell me more\nAnd then?\n", Shared.model("random-mini.bin").toString(), "-z",
                    Shared.model("tok512.bin").toString(), "-m", "chat", "-t", "1", "-p", "1", "-s", "3", "-n", "128",
                    "-i", "Hi", "-y", "Be brief", "-j", threads);
            assertEquals(0, cli.status(), cli.stderr());
            assertTrue(cli.text().contains("User: "), "a second turn was read");
            assertArrayEquals(resource("chat-random-mini.txt"), cli.stdout(), "-j " + threads);
        }
    }

    // ----------------------------------------------------------------------------
    // stdin in chat mode is read as run.c's fgets reads it, byte for byte

    @Test
    void chatSplitsALineOf600BytesAsRunC() throws IOException {
        assertChatAsRunC("chat-600-bytes", "-t", "0", "-n", "512");
    }

    @Test
    void chatEndsATurnAtANul() throws IOException {
        assertChatAsRunC("chat-nul", "-t", "0", "-n", "512");
    }

    @Test
    void chatTakesInvalidUtf8AsBytes() throws IOException {
        assertChatAsRunC("chat-invalid-utf8", "-t", "0.8", "-s", "7", "-n", "512");
    }

    /**
     * Ctrl-D at a terminal ends the input, but a later read of the terminal waits for more. glibc's
     * end of file is sticky (since 2.28), so run.c never reads stdin again: each turn reuses the
     * last prompt, as with input that has ended (here -i "Hi"), and "more" is never read.
     */
    @Test
    void chatReadsNoFurtherAfterTheEndOfInput() throws IOException {
        InputStream terminal = new InputStream() {
            private final InputStream typedAfterCtrlD = new ByteArrayInputStream("more\nand more\n".getBytes(StandardCharsets.US_ASCII));
            private boolean ctrlD = true;

            @Override
            public int read() throws IOException {
                if (ctrlD) {
                    ctrlD = false;
                    return -1;
                }
                return typedAfterCtrlD.read();
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = teallama.cli.Main.run(new String[] {Shared.model("random-mini.bin").toString(), "-z",
            Shared.model("tok512.bin").toString(), "-m", "chat", "-t", "1", "-p", "1", "-s", "3", "-n", "128", "-i", "Hi",
            "-y", "Be brief"}, terminal, out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertArrayEquals(resource("chat-random-mini-eof.txt"), out.toByteArray(), out.toString(StandardCharsets.UTF_8));
    }

    private static void assertChatAsRunC(String name, String... settings) throws IOException {
        String[] args = Cli.stories260K(settings);
        String[] chat = Arrays.copyOf(args, args.length + 2);
        chat[args.length] = "-m";
        chat[args.length + 1] = "chat";
        Cli cli = Cli.runWithInput(resource(name + ".in"), chat);
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(resource(name + ".txt"), cli.stdout(), () -> cli.text());
    }

    /** A prompt of invalid UTF-8 from a file gives run.c's tokens for it as an argument. */
    @Test
    void promptFileIsTakenByteForByte() throws IOException {
        Path prompt = Path.of("src/test/resources/runc/prompt-invalid-utf8.in");
        Cli cli = Cli.run(Cli.stories260K("-t", "0", "-n", "100", "--prompt-file", prompt.toString()));
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(resource("prompt-invalid-utf8.txt"), cli.stdout());
    }

    @Test
    void promptFileOfValidTextIsThePromptArgument(@TempDir Path dir) throws IOException {
        // case10 is -t 0.9 -p 0.8 -s 777 -n 512 -i "Tim and Sue"
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "Tim and Sue");
        assertArrayEquals(golden("case10.txt"), Cli.run(Cli.stories260K("-t", "0.9", "-p", "0.8", "-s", "777",
                "-n", "512", "--prompt-file", prompt.toString())).stdout());
        assertFails(Cli.run(Cli.stories260K("--prompt-file", dir.resolve("none.txt").toString())),
                "cannot open prompt file " + dir.resolve("none.txt") + ": no such file");
    }

    @Test
    void systemPromptFileIsTheSystemPromptArgument(@TempDir Path dir) throws IOException {
        Path system = Files.writeString(dir.resolve("system.txt"), "Be nice");
        Cli cli = Cli.run(Cli.stories260K("-m", "chat", "-t", "0", "-n", "120", "-i", "Hello",
                "--system-prompt-file", system.toString()));
        assertArrayEquals(resource("chat-stories260K.txt"), cli.stdout());
    }

    /** Pieces that run.c's sscanf("<0x%02hhX>") reads as bytes, or not: see byte-pieces.txt. */
    static final String[] BYTE_PIECES = {"<0x 41>", "<0x-1>", "<0x\t4A>", "<0x+5A>", "<0x>", "<0x 4Q", "<0x6Fz",
        "<0x- 4>", "<0x  7e>", "<0x+>", "<0x\u000b\f61>", "<0x-F>", "<0x0x4>", "<0X41>", "<0x 0A>", "<0x"};

    /**
     * run.c prints "<0x 41>" as A, skips "<0x-1>" (byte 0xFF, unprintable) and prints "<0x- 4>"
     * as it is: the prompt's bytes 0xF0 to 0xFF fall back to the byte tokens whose pieces these are.
     */
    @Test
    void bytePiecesAreReadAsRunCsSscanfReadsThem(@TempDir Path dir) throws IOException {
        List<Mutator.Entry> entries = new ArrayList<>(Mutator.entries(Shared.read(Shared.model("tok512.bin"))));
        byte[] prompt = new byte[BYTE_PIECES.length];
        for (int k = 0; k < BYTE_PIECES.length; k++) {
            prompt[k] = (byte) (0xF0 + k);
            int id = 0xF0 + k + 3;
            entries.set(id, new Mutator.Entry(entries.get(id).score(), BYTE_PIECES[k].getBytes(StandardCharsets.US_ASCII)));
        }
        Path tokenizer = Files.write(dir.resolve("tok-bytes.bin"), Mutator.tokenizer(8, entries));
        Path promptFile = Files.write(dir.resolve("prompt.in"), prompt);
        Cli cli = Cli.run(Shared.model("stories260K.bin").toString(), "-z", tokenizer.toString(), "-t", "0", "-n", "30",
                "--prompt-file", promptFile.toString());
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(resource("byte-pieces.txt"), cli.stdout(), cli.text());
    }

    // ----------------------------------------------------------------------------
    // where run.c's output is undefined, Teallama's is defined

    /**
     * At -t 1e-38 the largest logits of stories260K divided by the temperature overflow, so
     * run.c's probabilities are all NaN (it prints <unk> from before its top-p array). Here the
     * largest logit wins, as at -t 0: case02 is -t 0 -s 1 -n 256.
     */
    @Test
    void temperatureSoSmallItOverflowsIsGreedy() {
        for (String topp : new String[] {"0.9", "1"}) {
            for (String temperature : new String[] {"1e-38", "1e-45"}) {
                Cli cli = Cli.run(Cli.stories260K("-t", temperature, "-p", topp, "-s", "1", "-n", "256"));
                assertEquals(0, cli.status(), cli.stderr());
                assertArrayEquals(golden("case02.txt"), cli.stdout(), "-t " + temperature + " -p " + topp);
            }
        }
    }

    @Test
    void modelWithANanWeightEndsWithAnError(@TempDir Path dir) throws IOException {
        byte[] model = Shared.read(Shared.model("stories260K.bin"));
        // the first float of BOS's embedding row (version 0: 28 header bytes, then (vocab, dim) floats)
        int at = 28 + 64 * 4;
        ByteBuffer.wrap(model, at, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        Path nan = Files.write(dir.resolve("nan.bin"), model);
        for (String temperature : new String[] {"0", "1"}) {
            Cli cli = Cli.run(nan.toString(), "-z", Shared.model("tok512.bin").toString(), "-t", temperature);
            assertEquals(1, cli.status());
            assertEquals("\n", cli.text(), "the story ends");
            assertEquals("teallama: " + nan + ": the model's logits at position 0 are not finite (token 0's is NaN): "
                    + "its weights hold NaN or infinity, or its sums overflow\n", cli.stderr());
        }
    }

    // ----------------------------------------------------------------------------
    // errors name the file

    @Test
    void tokenizerWithoutASpaceNamesItsFile(@TempDir Path dir) throws IOException {
        // tok512 with its piece " " (id 410, at byte 5293) renamed "#"
        byte[] tokenizer = Shared.read(Shared.model("tok512.bin"));
        assertEquals(' ', tokenizer[5293]);
        tokenizer[5293] = '#';
        Path file = Files.write(dir.resolve("nospace.bin"), tokenizer);
        String[] args = {Shared.model("stories260K.bin").toString(), "-z", file.toString(), "-i", "Hello"};
        assertFails(Cli.run(args), file + ": the tokenizer has no token for the dummy-prefix space");
        String[] chat = {Shared.model("stories260K.bin").toString(), "-z", file.toString(), "-m", "chat", "-i", "Hi",
            "-y", ""};
        Cli cli = Cli.run(chat);
        assertEquals(1, cli.status());
        assertEquals("teallama: " + file + ": the tokenizer has no token for the dummy-prefix space\n", cli.stderr());
    }

    @Test
    void quantizeRefusesToWriteOverItsInput(@TempDir Path dir) throws IOException {
        Path model = Files.copy(Shared.model("stories260K.bin"), dir.resolve("model.bin"));
        byte[] before = Files.readAllBytes(model);
        assertFails(Cli.run("quantize", model.toString(), model.toString()),
                "quantize would write over its input " + model + "; give the output another name");
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), model);
        assertFails(Cli.run("quantize", model.toString(), link.toString()),
                "quantize would write over its input " + model + "; give the output another name");
        assertArrayEquals(before, Files.readAllBytes(model));
    }

    /** --probs would empty the file it opens; none of the run's inputs may be that file, by any name. */
    @Test
    void probsRefusesToWriteOverAnInput(@TempDir Path dir) throws IOException {
        Path model = Files.copy(Shared.model("stories260K.bin"), dir.resolve("model.bin"));
        Path tokenizer = Files.copy(Shared.model("tok512.bin"), dir.resolve("tok.bin"));
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "Once");
        Path system = Files.writeString(dir.resolve("system.txt"), "Be nice");
        Path modelLink = Files.createSymbolicLink(dir.resolve("model-link.bin"), model);
        Path tokenizerHardLink = Files.createLink(dir.resolve("tok-hard.bin"), tokenizer);
        String[] run = {model.toString(), "-z", tokenizer.toString(), "-n", "20", "--prompt-file", prompt.toString(),
            "--system-prompt-file", system.toString(), "--probs"};
        for (Path[] outputAndInput : new Path[][] {{model, model}, {modelLink, model}, {tokenizer, tokenizer},
            {tokenizerHardLink, tokenizer}, {prompt, prompt}, {system, system}}) {
            String[] args = Arrays.copyOf(run, run.length + 1);
            args[run.length] = outputAndInput[0].toString();
            assertFails(Cli.run(args), "--probs would write over its input " + outputAndInput[1]
                    + "; give the output another name");
        }
        assertArrayEquals(Shared.read(Shared.model("stories260K.bin")), Files.readAllBytes(model));
        assertArrayEquals(Shared.read(Shared.model("tok512.bin")), Files.readAllBytes(tokenizer));
        assertEquals("Once", Files.readString(prompt));
        assertEquals("Be nice", Files.readString(system));
    }

    @Test
    void quantizeReportsTheSizesOfBothFiles(@TempDir Path dir) {
        Path out = dir.resolve("q.bin");
        Cli cli = Cli.run("quantize", Shared.model("stories260K.bin").toString(), out.toString());
        assertEquals(0, cli.status(), cli.stderr());
        long outBytes = out.toFile().length();
        assertEquals("wrote " + out + ": version 2 (Q8_0, group size 4), " + outBytes + " bytes, "
                + String.format(java.util.Locale.ROOT, "%.1f", 100.0 * outBytes / 1056540) + "% of "
                + Shared.model("stories260K.bin") + "\n", cli.stderr());
        assertEquals("", cli.text(), "stdout is left to the model");
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = CliTest.class.getResourceAsStream("/runc/" + name)) {
            return in.readAllBytes();
        }
    }
}

package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not what they say, on the command line: devices, pipes, sparse files of
 * gigabytes, headers whose runs would not fit. Each is one line on stderr that names the file
 * and what is wrong, found from the header, before the weights are read or a buffer allocated.
 * Runs that depend on the heap run in a JVM of their own with a small -Xmx.
 */
class HostileFilesTest {
    private static final String TOK512 = Shared.model("tok512.bin").toString();

    /** Exit status 1, nothing on stdout, and exactly this line on stderr. */
    private static void assertFails(Cli cli, String message) {
        assertEquals(1, cli.status());
        assertEquals("", cli.text(), "nothing on stdout");
        assertEquals("teallama: " + message + "\n", cli.stderr());
    }

    /** Bytes this process has read from files (Linux: rchar of /proc/self/io). */
    private static long bytesRead() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("rchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no rchar in /proc/self/io");
    }

    /** A sparse file of this length starting with these bytes: it takes no room on the disk. */
    private static Path sparse(Path path, byte[] start, long length) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.write(start);
            file.setLength(length);
        }
        return path;
    }

    /** The command line in a JVM of its own with this heap; returns status, stdout and stderr. */
    private static Cli java(String heap, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-cp", Path.of("target/classes").toAbsolutePath().toString(), "teallama.cli.Main"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Cli(process.exitValue(), out, err);
    }

    /** A copy of random-mini-q80 (version 2, whose length does not depend on seq_len) claiming this seq_len. */
    private static Path withSeqLen(Path dir, int seqLen) throws IOException {
        byte[] model = Shared.read(Shared.model("random-mini-q80.bin"));
        ByteBuffer.wrap(model).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 6 * 4, seqLen);
        return Files.write(dir.resolve("seq-len-" + seqLen + ".bin"), model);
    }

    // ----------------------------------------------------------------------------
    // files that are not checkpoints, or not of their length

    @Test
    void devZeroIsNamedAndRefusedAtItsHeader() throws Exception {
        String zero = "/dev/zero: expected a llama2.c checkpoint: the file does not start with the magic \"ak42\" of "
                + "versions 1 and 2, and as a legacy (version 0) header dim must be positive, found 0";
        assertFails(Cli.run("/dev/zero", "-z", TOK512), zero);
        // with a heap of 64 MB, where reading it whole ran out of memory without naming it
        assertFails(java("64m", "/dev/zero", "-z", TOK512), zero);
    }

    /** A garbage header on a file of 1.9 GB is refused from its first bytes: the rest is never read. */
    @Test
    void aGarbageHeaderOnGigabytesIsRefusedWithoutReadingThem(@TempDir Path dir) throws IOException {
        byte[] garbage = new byte[4096];
        new Random(8).nextBytes(garbage);
        Path noise = sparse(dir.resolve("noise.bin"), garbage, 1_900_000_000L);
        byte[] miniHeader = java.util.Arrays.copyOf(Shared.read(Shared.model("random-mini.bin")), 28);
        Path mismatch = sparse(dir.resolve("mismatch.bin"), miniHeader, 1_900_000_000L);
        long before = bytesRead();
        assertFails(Cli.run(noise.toString(), "-z", TOK512), noise + ": expected a llama2.c checkpoint: the file does "
                + "not start with the magic \"ak42\" of versions 1 and 2, and as a legacy (version 0) header dim must be "
                + "positive, found " + ByteBuffer.wrap(garbage).order(ByteOrder.LITTLE_ENDIAN).getInt());
        assertFails(Cli.run(mismatch.toString(), "-z", TOK512), mismatch + ": checkpoint size does not match its "
                + "header (version 0, dim 128, hidden_dim 384, n_layers 2, n_heads 4, n_kv_heads 2, vocab_size 512, "
                + "seq_len 128, shared classifier): expected 1853980 bytes, found 1900000000");
        long read = bytesRead() - before;
        assertTrue(read < 16 << 20, "read " + read + " bytes for two refusals of 1.9 GB files");
    }

    /** A header that matches its 1.9 GB length but not the heap: refused with both sizes, before a weight is read. */
    @Test
    void weightsBeyondTheHeapAreRefusedFromTheHeader(@TempDir Path dir) throws Exception {
        byte[] header = new byte[256];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(Checkpoint.MAGIC).putInt(1)
                .putInt(2048).putInt(5632).putInt(8).putInt(16).putInt(16).putInt(32000).putInt(2048).put((byte) 1);
        Path model = sparse(dir.resolve("big.bin"), header, 1_906_450_688L);
        Cli cli = java("64m", model.toString(), "-z", TOK512);
        assertEquals(1, cli.status());
        Matcher m = Pattern.compile("teallama: " + Pattern.quote(model.toString())
                + ": its weights need 1818\\.2 MiB of memory, and (\\d+\\.\\d) MiB are free\n").matcher(cli.stderr());
        assertTrue(m.matches(), cli.stderr());
        assertTrue(Double.parseDouble(m.group(1)) < 64, cli.stderr());
    }

    /**
     * 15M's shape (58.0 MiB of weights) in a heap of 64 MB: the header's check passes, as more is
     * free, but the arrays cannot all be made. The message gives both amounts and does not blame
     * the steps (-n 1).
     */
    @Test
    void weightsThatPassTheCheckButNotTheHeapAreNamed(@TempDir Path dir) throws Exception {
        byte[] header = new byte[28];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(288).putInt(768).putInt(6).putInt(6).putInt(6)
                .putInt(32000).putInt(256);
        Path model = sparse(dir.resolve("15M-zeros.bin"), header, 60_816_028L);
        Cli cli = java("64m", model.toString(), "-z", TOK512, "-n", "1", "-j", "1");
        assertEquals(1, cli.status());
        Matcher m = Pattern.compile("teallama: " + Pattern.quote(model.toString()) + ": its weights need 58\\.0 MiB "
                + "of memory, and (\\d+\\.\\d) MiB were free, not enough for Java to make their arrays \\(give Java "
                + "more with -Xmx\\)\n").matcher(cli.stderr());
        assertTrue(m.matches(), cli.stderr());
        assertTrue(Double.parseDouble(m.group(1)) > 58.0, cli.stderr());
        // on several threads, each thread's arrays are placed apart: fewer threads can fit where many do not
        Cli threads = java("64m", model.toString(), "-z", TOK512, "-n", "1", "-j", "4");
        assertEquals(1, threads.status());
        assertTrue(threads.stderr().endsWith(" MiB were free, not enough for Java to make their arrays (give Java more "
                + "with -Xmx, or run fewer threads with -j: each thread's arrays need room of their own)\n"),
                threads.stderr());
    }

    /** A checkpoint through a pipe has no length to check in advance: its bytes are checked as they come. */
    @Test
    void aModelAndATokenizerThroughPipesTellTheGoldenStory(@TempDir Path dir) throws Exception {
        Path model = fifo(dir.resolve("model.pipe"), Shared.read(Shared.model("stories260K.bin")));
        Path tokenizer = fifo(dir.resolve("tok.pipe"), Shared.read(Shared.model("tok512.bin")));
        // case03 is -t 0.0 -n 256 -i "Once upon a time"
        Cli cli = Cli.run(model.toString(), "-z", tokenizer.toString(), "-t", "0", "-n", "256", "-i", "Once upon a time");
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(Shared.read(Shared.golden("generate/case03.txt")), cli.stdout());

        byte[] cut = java.util.Arrays.copyOf(Shared.read(Shared.model("stories260K.bin")), 500_000);
        Path truncated = fifo(dir.resolve("cut.pipe"), cut);
        assertFails(Cli.run(truncated.toString(), "-z", TOK512), truncated + ": truncated checkpoint: its header "
                + "(version 0, dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, "
                + "shared classifier) needs 1056540 bytes, found 500000");
    }

    /**
     * A pipe or device says nothing of its length, so a tokenizer read from one stops at 64 MiB:
     * /dev/urandom, say, claims pieces of up to 2 GB, which run.c tries to read (and crashes).
     */
    @Test
    void aTokenizerThroughAPipeStopsAt64MiB(@TempDir Path dir) throws Exception {
        ByteBuffer head = ByteBuffer.allocate(12 + (1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(1 << 30).putFloat(0.5f).putInt(100_000_000); // max_token_length, entry 0's score and length
        Path tokenizer = fifo(dir.resolve("tok.pipe"), head.array());
        assertFails(Cli.run(Shared.model("stories260K.bin").toString(), "-z", tokenizer.toString()), tokenizer
                + ": expected a tokenizer of at most 64 MiB from a pipe or device, found entry 0 of 100000000 bytes after 12");
    }

    /** A named pipe that a thread fills with these bytes once it is opened. */
    private static Path fifo(Path path, byte[] bytes) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(path)) {
                out.write(bytes);
            } catch (IOException e) {
                // the reader stopped early: what it made of it is the test's to check
            }
        });
        writer.setDaemon(true);
        writer.start();
        return path;
    }

    /**
     * A tokenizer file of 1.9 GB is read only as far as its entries go: a garbage start is refused
     * from its first bytes (it was read whole, 4 GB and 9 s, and in a heap of 64 MB it said "not
     * enough memory for this model" without its name), and a piece longer than the heap is named.
     */
    @Test
    void aTokenizerOfGigabytesIsReadOnlyAsFarAsItsEntries(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K.bin");
        Path zeros = sparse(dir.resolve("zeros.bin"), new byte[0], 1_900_000_000L);
        long before = bytesRead();
        assertFails(Cli.run(model.toString(), "-z", zeros.toString()), zeros + ": expected a positive max_token_length, found 0");
        long read = bytesRead() - before;
        assertTrue(read < 16 << 20, "read " + read + " bytes to refuse a 1.9 GB tokenizer");
        assertFails(java("64m", model.toString(), "-z", zeros.toString()), zeros + ": expected a positive max_token_length, found 0");
        // max_token_length 2e9, then an entry whose piece says it has 1.5 GB, which the file holds
        byte[] start = new byte[12];
        ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN).putInt(2_000_000_000).putFloat(0).putInt(1_500_000_000);
        Path longPiece = sparse(dir.resolve("long-piece.bin"), start, 1_900_000_000L);
        assertFails(java("64m", model.toString(), "-z", longPiece.toString()),
                longPiece + ": a tokenizer whose pieces do not fit in memory (give Java more with -Xmx)");
    }

    /**
     * An entry's length is checked before its piece is read: one longer than max_token_length or
     * than what is left of the file is refused from the first bytes of a file of gigabytes (a
     * first piece claiming 1e9 bytes was read, 5.6 GB of memory and 15 s), and so are gigabytes
     * after a whole tokenizer (they were walked to count their entries).
     */
    @Test
    void entryLengthsAreCheckedBeforeTheirPiecesAreRead(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K.bin");
        byte[] claims = new byte[12];
        ByteBuffer.wrap(claims).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putFloat(0).putInt(1_000_000_000);
        Path pastMax = sparse(dir.resolve("past-max.bin"), claims, 1_900_000_000L);
        ByteBuffer.wrap(claims).order(ByteOrder.LITTLE_ENDIAN).putInt(2_000_000_000).putFloat(0).putInt(1_950_000_000);
        Path pastEnd = sparse(dir.resolve("past-end.bin"), claims, 1_900_000_000L);
        Path trailing = sparse(dir.resolve("trailing.bin"), Shared.read(Path.of(TOK512)), 1_900_000_000L);
        long before = bytesRead();
        assertFails(Cli.run(model.toString(), "-z", pastMax.toString()), pastMax + ": expected pieces of at most "
                + "max_token_length (7) bytes, found entry 0 saying it has 1000000000");
        assertFails(Cli.run(model.toString(), "-z", pastEnd.toString()), pastEnd + ": truncated tokenizer: entry 0 "
                + "says it has 1950000000 bytes, found 1899999988 left in the file");
        assertFails(Cli.run(model.toString(), "-z", trailing.toString()), trailing + ": the tokenizer has more than "
                + "512 entries, the model's vocab_size is 512");
        long read = bytesRead() - before;
        assertTrue(read < 16 << 20, "read " + read + " bytes to refuse three 1.9 GB tokenizers");
    }

    /** An HTML page given as the tokenizer (a wrong address) is called one, not a tokenizer of absurd lengths. */
    @Test
    void anHtmlPageAsTheTokenizerIsCalledOne(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K.bin");
        Path page = dir.resolve("tokenizer.bin");
        Files.writeString(page, "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Not found</title></head></html>\n");
        String refusal = page + ": expected a tokenizer file, found a text document (an HTML page?)";
        assertFails(Cli.run(model.toString(), "-z", page.toString()), refusal);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.read(Files.readAllBytes(page), 512));
        assertEquals("expected a tokenizer file, found a text document (an HTML page?)", e.getMessage());
    }

    /**
     * A checkpoint of version 1 or 2 given as the tokenizer (the two files swapped, or -z given the
     * int8 model): its magic "ak42" is 4 bytes of text, and it was called an HTML page.
     */
    @Test
    void aCheckpointAsTheTokenizerIsCalledOne() {
        Path q80 = Shared.model("random-mini-q80.bin");
        String refusal = "expected a tokenizer file, found a llama2.c checkpoint (it starts with the magic \"ak42\" "
                + "of versions 1 and 2)";
        assertFails(Cli.run(Shared.model("random-mini.bin").toString(), "-z", q80.toString()), q80 + ": " + refusal);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.read(Shared.read(q80), 512));
        assertEquals(refusal, e.getMessage());
    }

    @Test
    void devZeroAsTheTokenizerOrThePrompt() {
        Path model = Shared.model("stories260K.bin");
        assertFails(Cli.run(model.toString(), "-z", "/dev/zero"), "/dev/zero: expected a positive max_token_length, found 0");
        // a NUL ends a prompt: /dev/zero is the empty prompt, as in case02 (-t 0 -s 1 -n 256)
        Cli cli = Cli.run(model.toString(), "-z", TOK512, "-t", "0", "-s", "1", "-n", "256", "--prompt-file", "/dev/zero");
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(Shared.read(Shared.golden("generate/case02.txt")), cli.stdout());
    }

    // ----------------------------------------------------------------------------
    // headers whose runs would not fit

    /**
     * 1 MB of weights claiming seq_len 8388608: -n 0 asks for all of it, whose KV cache needs
     * 8 GiB; refused before allocating, with how many steps would fit in the heap.
     */
    @Test
    void aContextLongerThanTheHeapIsRefusedWithTheStepsThatFit(@TempDir Path dir) throws Exception {
        Path model = withSeqLen(dir, 8_388_608);
        Cli cli = java("128m", model.toString(), "-z", TOK512, "-n", "0", "-j", "1");
        assertEquals(1, cli.status());
        // per position: a KV cache of 2 layers * 2 * kv_dim 64, the scores of one head at a time, RoPE's cos and
        // sin of head_size / 2
        long perPosition = 4 * (2 * 2 * 64 + 1 + 2 * 16);
        Matcher m = Pattern.compile("teallama: " + Pattern.quote(model.toString()) + ": 8388608 steps need ([\\d.]+) MiB "
                + "for the KV cache and activations, and ([\\d.]+) MiB are free: at most (\\d+) steps fit \\(ask for "
                + "fewer with -n, or give Java more memory with -Xmx\\)\n").matcher(cli.stderr());
        assertTrue(m.matches(), cli.stderr());
        assertEquals(8_388_608.0 * perPosition / (1 << 20), Double.parseDouble(m.group(1)), 1.0);
        long fit = Long.parseLong(m.group(3));
        double free = Double.parseDouble(m.group(2)) * (1 << 20);
        assertTrue(fit * perPosition <= free && (fit + 200) * perPosition > free, cli.stderr());
        // each thread holds activations of its own
        Cli threads = java("128m", model.toString(), "-z", TOK512, "-n", "0", "-j", "2");
        assertEquals(1, threads.status());
        assertTrue(threads.stderr().endsWith(" steps fit (ask for fewer with -n, run fewer threads with -j, or give Java "
                + "more memory with -Xmx)\n"), threads.stderr());
    }

    /** A refused run counts its steps in words that fit one step, and none. */
    @Test
    void aRefusedRunCountsOneStepAndNone() throws IOException {
        Model model = Checkpoint.read(Shared.read(Shared.model("stories260K.bin")));
        long oneStep = model.runBytes(1, new Limits(Config.MAX_ARRAY_LENGTH, 1L << 30));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> model.checkRun(1, new Limits(Config.MAX_ARRAY_LENGTH, oneStep - 1)));
        assertTrue(none.getMessage().startsWith("1 step needs "), none.getMessage());
        assertTrue(none.getMessage().endsWith(" are free: not one step fits"), none.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> model.checkRun(3, new Limits(Config.MAX_ARRAY_LENGTH, oneStep)));
        assertTrue(one.getMessage().startsWith("3 steps need "), one.getMessage());
        assertTrue(one.getMessage().endsWith(" are free: at most 1 step fits"), one.getMessage());
    }

    /**
     * 512 heads and seq_len 2^23: their attention scores overflowed an int when they were one
     * array of heads * positions; the scores of one head at a time are 2^23 + 8 floats, and -n 0
     * runs. The last position runs, with one head (with 512, attending over 2^23 positions took a
     * minute). A head of 256 over 2^23 positions is a KV cache of 2^31 floats: refused from the
     * header, with the steps that fit; 8 steps run.
     */
    @Test
    void manyHeadsAndALongContext(@TempDir Path dir) throws IOException {
        Path tokenizer = Files.write(dir.resolve("tok3.bin"), Mutator.syntheticTokenizer(3));
        // all 2^23 positions fit in 1 GiB (a KV cache of 320 MiB, RoPE's 64 MiB)
        Model heads = Checkpoint.read(Mutator.write(new Config(1024, 2, 1, 512, 1, 3, 1 << 23), 1, true, 0, 1));
        heads.checkRun(1 << 23, new Limits(Config.MAX_ARRAY_LENGTH, 1L << 30));
        assertFinite(heads.newTransformer(1 << 23).forward(Tokenizer.BOS, 8));
        Model oneHead = Checkpoint.read(Mutator.write(new Config(2, 2, 1, 1, 1, 3, 1 << 23), 1, true, 0, 1));
        assertFinite(oneHead.newTransformer(1 << 23).forward(Tokenizer.BOS, (1 << 23) - 1));
        Path wide = Files.write(dir.resolve("wide.bin"), Mutator.write(new Config(256, 2, 1, 1, 1, 3, 1 << 23), 1,
                true, 0, 1));
        Cli refused = Cli.run(wide.toString(), "-z", tokenizer.toString(), "-n", "0");
        assertEquals(1, refused.status());
        assertTrue(refused.stderr().startsWith("teallama: " + wide + ": 8388608 steps need a KV cache or attention "
                + "scores longer than an array of this platform: at most "), refused.stderr());
        Cli eight = Cli.run(wide.toString(), "-z", tokenizer.toString(), "-n", "8", "-t", "0");
        assertEquals(0, eight.status(), eight.stderr());
    }

    private static void assertFinite(float[] logits) {
        assertEquals(3, logits.length);
        for (float logit : logits) {
            assertTrue(Float.isFinite(logit), Arrays.toString(logits));
        }
    }
}

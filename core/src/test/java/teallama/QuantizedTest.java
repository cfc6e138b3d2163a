package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** int8 (Q8_0, version 2) files against llama2.c's runq.c, and our quantize command. */
class QuantizedTest {
    private static final Pattern LOGITS = Pattern.compile("LOGITS pos=(\\d+) in=(\\d+): (.*)");

    /** A LOGITS line of golden/q8/*.trace: position, input token, first 8 logits as printed. */
    record TracedLogits(int pos, int token, double[] logits) {
    }

    static List<TracedLogits> trace(String name) {
        List<TracedLogits> lines = new ArrayList<>();
        for (String line : new String(Shared.read(Shared.golden("q8/" + name)), StandardCharsets.UTF_8).split("\n")) {
            Matcher m = LOGITS.matcher(line);
            if (m.matches()) {
                String[] values = m.group(3).trim().split(" ");
                double[] logits = new double[values.length];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = Double.parseDouble(values[i]);
                }
                lines.add(new TracedLogits(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), logits));
            }
        }
        assertEquals(20, lines.size(), name + " traces positions 0..19");
        return lines;
    }

    /** Feeds the traced input tokens and compares the first 8 logits at every traced position. */
    private static void assertLogits(Model model, String traceName, double tolerance) {
        Transformer transformer = model.newTransformer(model.config().seqLen());
        for (TracedLogits t : trace(traceName)) {
            float[] logits = transformer.forward(t.token(), t.pos());
            for (int i = 0; i < 8; i++) {
                assertEquals(t.logits()[i], logits[i], tolerance, "logit " + i + " at pos " + t.pos());
            }
        }
    }

    @Test
    void int8LogitsMatchRunq() {
        Model model = Shared.loadModel("random-mini-q80.bin");
        assertEquals(2, model.version());
        assertEquals(64, ((QuantizedWeights) model.weights()).groupSize());
        assertLogits(model, "runq-t0.trace", 1e-4);
    }

    @Test
    void fp32LogitsOfTheSameWeightsMatchRunC() {
        assertLogits(Shared.loadModel("random-mini.bin"), "run-fp32-t0.trace", 1e-5);
    }

    @Test
    void int8PromptTextMatchesRunq() {
        Cli cli = Cli.run(Shared.model("random-mini-q80.bin").toString(), "-z", Shared.model("tok512.bin").toString(),
                "-t", "0", "-n", "40", "-i", "Once upon a time");
        assertEquals(0, cli.status(), cli.stderr());
        String expected = new String(Shared.read(Shared.golden("q8/runq-t0.stdout")), StandardCharsets.UTF_8);
        // near-tied logits of random weights make argmax fragile: the prompt is certain, the rest likely
        assertTrue(cli.text().startsWith("Once upon a time"), cli.text());
        assertEquals(expected, cli.text());
    }

    @Test
    void quantizeWritesWhatExportPyWrote(@TempDir Path dir) {
        Path out = dir.resolve("q80.bin");
        Cli cli = Cli.run("quantize", Shared.model("random-mini.bin").toString(), out.toString(), "-g", "64");
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(Shared.read(Shared.model("random-mini-q80.bin")), Shared.read(out));
        assertTrue(cli.stderr().startsWith("wrote " + out + ": version 2 (Q8_0, group size 64), 490240 bytes"),
                cli.stderr());

        // -g may come first, as options do in run's command line
        Path first = dir.resolve("q80-g-first.bin");
        Cli gFirst = Cli.run("quantize", "-g", "64", Shared.model("random-mini.bin").toString(), first.toString());
        assertEquals(0, gFirst.status(), gFirst.stderr());
        assertArrayEquals(Shared.read(Shared.model("random-mini-q80.bin")), Shared.read(first));
    }

    /**
     * stories260K's hidden_dim 172 is no multiple of 64, so the group size backs off to 4, which
     * divides both 64 and 172; runq.c's export would keep 64 and compute garbage. At temperature 0
     * the int8 model starts the same story as fp32 (golden case02).
     */
    @Test
    void quantizedStories260KStillTellsTheStory(@TempDir Path dir) {
        Path out = dir.resolve("stories260K-q80.bin");
        Cli quantize = Cli.run("quantize", Shared.model("stories260K.bin").toString(), out.toString());
        assertEquals(0, quantize.status(), quantize.stderr());
        assertTrue(quantize.stderr().contains("group size 4"), quantize.stderr());
        Cli cli = Cli.run(out.toString(), "-z", Shared.model("tok512.bin").toString(), "-t", "0", "-n", "256");
        assertEquals(0, cli.status(), cli.stderr());
        String fp32 = new String(Shared.read(Shared.golden("generate/case02.txt")), StandardCharsets.UTF_8);
        String firstSentence = fp32.substring(0, fp32.indexOf('.') + 1);
        assertTrue(cli.text().startsWith(firstSentence), "expected to start with " + firstSentence + "\nfound " + cli.text());
    }

    @Test
    void groupSizeThatDoesNotDivideTheRowsIsRefused(@TempDir Path dir) {
        Cli cli = Cli.run("quantize", Shared.model("stories260K.bin").toString(), dir.resolve("x.bin").toString(),
                "-g", "64");
        assertEquals(1, cli.status());
        assertEquals("teallama: expected a quantization group size that divides dim 64 and hidden_dim 172, found 64\n",
                cli.stderr());
    }

    /**
     * Groups of 256 and 512, beyond export.py's 64, which runq.c reads as any other: a model of
     * random weights (dim 512, hidden_dim 1024, 8 heads, 4 KV heads) quantized so tells runq.c's
     * story (src/test/resources/runc/README.md), on one thread and on three.
     */
    @Test
    void wideGroupsTellRunqsStory(@TempDir Path dir) throws IOException {
        Config shape = new Config(512, 1024, 2, 8, 4, 512, 64);
        Path fp32 = dir.resolve("wide.bin");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(fp32))) {
            ModelWriter.write(shape, ModelWriter.randomWeights(shape, true, 512), 0, out);
        }
        for (int groupSize : new int[] {256, Checkpoint.MAX_GROUP_SIZE}) {
            Path int8 = dir.resolve("wide-g" + groupSize + ".bin");
            Cli quantize = Cli.run("quantize", fp32.toString(), int8.toString(), "-g", String.valueOf(groupSize));
            assertEquals(0, quantize.status(), quantize.stderr());
            byte[] expected;
            try (InputStream in = QuantizedTest.class.getResourceAsStream("/runc/wide-groups-" + groupSize + ".txt")) {
                expected = in.readAllBytes();
            }
            for (String threads : new String[] {"1", "3"}) {
                Cli story = Cli.run(int8.toString(), "-z", Shared.model("tok512.bin").toString(), "-t", "1", "-p", "0.9",
                        "-s", "5", "-n", "64", "-i", "Once upon a time", "-j", threads);
                assertEquals(0, story.status(), story.stderr());
                assertArrayEquals(expected, story.stdout(), "groups of " + groupSize + ", -j " + threads);
            }
        }
    }

    /** Past 512, a group's sum could overflow the int8 matmul's narrowest lane (see Q8Kernels). */
    @Test
    void groupsLargerThan512AreRefused() {
        FormatException refused = assertThrows(FormatException.class,
                () -> Checkpoint.checkGroupSize(new Config(1024, 2048, 1, 8, 8, 32, 8), 1024));
        assertEquals("expected a quantization group size of at most 512, found 1024", refused.getMessage());
    }

    /**
     * The 15M shape (dim 288, hidden 768, 6 layers, 6 heads, vocab 32000, seq_len 256): as
     * version 0 it is 60816028 bytes, the size of Hugging Face's stories15M.bin; in Q8_0 with
     * groups of 64, 15179424 int8 values take 1 + 4/64 bytes each, plus 13 norms of 288 floats and
     * the 256-byte header: 16152448 bytes, 26.6%.
     */
    @Test
    void int8Stories15MIsUnderThirtyPercentOfFp32() {
        Config stories15M = new Config(288, 768, 6, 6, 6, 32000, 256);
        long fp32 = Checkpoint.fileSize(stories15M, 0, true, 0);
        long int8 = Checkpoint.fileSize(stories15M, 2, true, 64);
        assertEquals(60816028L, fp32);
        assertEquals(16152448L, int8);
        assertTrue(int8 < 0.3 * fp32);
    }
}

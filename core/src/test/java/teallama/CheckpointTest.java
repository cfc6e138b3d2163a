package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class CheckpointTest {

    @Test
    void readsStories260K() {
        Model model = Shared.loadModel("stories260K.bin");
        assertEquals(new Config(64, 172, 5, 8, 4, 512, 512), model.config());
        assertEquals(0, model.version());
        assertTrue(model.sharedClassifier());
        // 512*64 embedding + 5 layers * (2*64 norms + 2*64*64 wq,wo + 2*64*32 wk,wv + 3*64*172 ffn) + 64
        assertEquals(32768 + 5 * (128 + 8192 + 4096 + 33024) + 64, model.parameterCount());
        assertEquals(32, model.config().kvDim());
        assertEquals(2, model.config().kvMul());
    }

    // ----------------------------------------------------------------------------
    // version 1 and the writer

    /**
     * A version 1 file built here by hand in export.py's order (header, attention norms, ffn
     * norms, final norm, embedding, wq, wk, wv, wo, w1, w2, w3) from stories260K's version 0
     * tensors (embedding, att norms, wq, wk, wv, wo, ffn norms, w1, w2, w3, final norm, freq_cis)
     * generates the golden story.
     */
    @Test
    void readsExportPysVersion1() throws IOException {
        byte[] v0 = Shared.read(Shared.model("stories260K.bin"));
        int dim = 64, hidden = 172, layers = 5, kvDim = 32, vocab = 512;
        int[] sizes = {vocab * dim, layers * dim, layers * dim * dim, layers * kvDim * dim, layers * kvDim * dim,
            layers * dim * dim, layers * dim, layers * hidden * dim, layers * dim * hidden, layers * hidden * dim, dim};
        byte[][] tensors = new byte[sizes.length][];
        int offset = 28;
        for (int i = 0; i < sizes.length; i++) {
            tensors[i] = Arrays.copyOfRange(v0, offset, offset + 4 * sizes[i]);
            offset += 4 * sizes[i];
        }
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0x616b3432).putInt(1).putInt(dim).putInt(hidden).putInt(layers).putInt(8).putInt(4)
                .putInt(vocab).putInt(512).put((byte) 1);
        v1.write(header.array());
        for (int i : new int[] {1, 6, 10, 0, 2, 3, 4, 5, 7, 8, 9}) {
            v1.write(tensors[i]);
        }
        Model model = Checkpoint.read(v1.toByteArray());
        assertEquals(1, model.version());
        assertEquals(storyOf(Shared.loadModel("stories260K.bin"), 0.0f, 1), storyOf(model, 0.0f, 1));
        assertEquals(new String(Shared.read(Shared.golden("generate/case03.txt")), StandardCharsets.UTF_8),
                storyOf(model, "Once upon a time", 0.0f, 1) + "\n");
    }

    /** The same random weights, written as version 0 and as version 1, tell the same story. */
    @Test
    void version0AndVersion1FilesGenerateTheSameText() throws IOException {
        for (boolean shared : new boolean[] {true, false}) {
            Config config = new Config(48, 96, 2, 4, 2, 512, 64);
            FloatWeights weights = ModelWriter.randomWeights(config, shared, 11);
            Model v0 = Checkpoint.read(write(config, weights, 0));
            Model v1 = Checkpoint.read(write(config, weights, 1));
            assertEquals(0, v0.version());
            assertEquals(1, v1.version());
            assertEquals(shared, v0.sharedClassifier());
            assertEquals(shared, v1.sharedClassifier());
            String story = storyOf(v0, 1.0f, 5);
            assertFalse(story.isEmpty());
            assertEquals(story, storyOf(v1, 1.0f, 5));
            FloatWeights read = (FloatWeights) v1.weights();
            assertArrayEquals(weights.w2(), read.w2());
            assertArrayEquals(weights.wcls(), read.wcls());
        }
    }

    @Test
    void legacyFileCarriesANegativeVocabSizeForASeparateClassifier() throws IOException {
        Config config = new Config(16, 32, 1, 2, 2, 300, 8);
        byte[] unshared = write(config, ModelWriter.randomWeights(config, false, 1), 0);
        assertEquals(-300, ByteBuffer.wrap(unshared).order(ByteOrder.LITTLE_ENDIAN).getInt(20));
        // header + weights + freq_cis (8 positions * head size 8) + wcls
        long weights = 300 * 16 + 16 + 16 * 16 * 2 + 16 * 16 * 2 + 16 + 16 * 32 * 3 + 16;
        assertEquals(28 + 4 * (weights + 8 * 8 + 300 * 16), unshared.length);
        FloatWeights read = (FloatWeights) Checkpoint.read(unshared).weights();
        assertNotSame(read.tokenEmbeddingTable(), read.wcls());
        byte[] shared = write(config, ModelWriter.randomWeights(config, true, 1), 0);
        FloatWeights sharedRead = (FloatWeights) Checkpoint.read(shared).weights();
        assertSame(sharedRead.tokenEmbeddingTable(), sharedRead.wcls());
    }

    @Test
    void randomWeightsNeverEndAStoryAtBos() {
        Config config = new Config(32, 64, 1, 4, 4, 512, 256);
        Model model = Model.of(new Checkpoint.Header(config, 1, true, 0), ModelWriter.randomWeights(config, true, 3));
        Generator generator = new Generator(model.newTransformer(256), Shared.loadTokenizer("tok512.bin", 512),
                new Sampler(512, 0.0f, 0.9f, 1), "", 256);
        while (generator.next() != null) {
            assertFalse(generator.isDone() && generator.position() < 256);
        }
        assertEquals(256, generator.position());
    }

    // ----------------------------------------------------------------------------
    // bad files

    @Test
    void emptyAndTinyFiles() {
        assertError(new byte[0], "expected a llama2.c checkpoint of at least 28 bytes, found 0 bytes");
        assertError(new byte[27], "expected a llama2.c checkpoint of at least 28 bytes, found 27 bytes");
    }

    @Test
    void truncatedModel() {
        byte[] full = Shared.read(Shared.model("stories260K.bin"));
        assertError(Arrays.copyOf(full, full.length - 100), "truncated checkpoint: its header (version 0, dim 64, "
                + "hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier)"
                + " needs 1056540 bytes, found 1056440");
        assertError(Arrays.copyOf(full, 28), "truncated checkpoint: its header (version 0, dim 64, "
                + "hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier)"
                + " needs 1056540 bytes, found 28");
    }

    @Test
    void trailingBytes() {
        byte[] full = Shared.read(Shared.model("stories260K.bin"));
        assertError(Arrays.copyOf(full, full.length + 4), "checkpoint size does not match its header (version 0, "
                + "dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, "
                + "shared classifier): expected 1056540 bytes, found 1056544");
    }

    @Test
    void impossibleSizes() {
        String legacy = "expected a llama2.c checkpoint: the file does not start with the magic \"ak42\" of "
                + "versions 1 and 2, and as a legacy (version 0) header ";
        assertError(legacyHeader(-64, 172, 5, 8, 4, 512, 512), legacy + "dim must be positive, found -64");
        assertError(legacyHeader(64, 0, 5, 8, 4, 512, 512), legacy + "hidden_dim must be positive, found 0");
        assertError(legacyHeader(64, 172, 0, 8, 4, 512, 512), legacy + "n_layers must be positive, found 0");
        assertError(legacyHeader(64, 172, 5, 7, 7, 512, 512), legacy + "dim 64 is not divisible by n_heads 7");
        assertError(legacyHeader(64, 172, 5, 8, 3, 512, 512), legacy + "n_kv_heads 3 must divide n_heads 8");
        assertError(legacyHeader(64, 172, 5, 8, 16, 512, 512), legacy + "n_kv_heads 16 must divide n_heads 8");
        assertError(legacyHeader(64, 172, 5, 64, 64, 512, 512), legacy
                + "head size 1 (dim / n_heads) must be even, since RoPE rotates pairs");
        assertError(legacyHeader(64, 172, 5, 8, 4, 512, -1), legacy + "seq_len must be positive, found -1");
        assertError(legacyHeader(64, 172, 5, 8, 4, Integer.MIN_VALUE, 512), legacy
                + "vocab_size must be positive, or negative for an unshared classifier, found -2147483648, whose negation "
                + "does not fit an int32");
    }

    @Test
    void sizesBeyondAnArrayOrALongAllocateNothing() {
        // 2^31 layers of 2^30 x 2^30 matrices: more bytes than a long counts
        assertError(legacyHeader(1 << 30, 1 << 30, Integer.MAX_VALUE, 2, 2, 512, 512),
                "impossible checkpoint header (version 0, dim 1073741824, hidden_dim 1073741824, n_layers 2147483647, "
                        + "n_heads 2, n_kv_heads 2, vocab_size 512, seq_len 512, shared classifier): its tensors would "
                        + "hold more than 2^63 bytes, the file has 28");
        // wq alone would be 2^32 floats (16 GiB): refused for the file length before any allocation
        FormatException e = assertThrows(FormatException.class,
                () -> Checkpoint.read(legacyHeader(65536, 64, 1, 2, 2, 512, 8)));
        assertTrue(e.getMessage().startsWith("truncated checkpoint"), e.getMessage());
        assertTrue(e.getMessage().endsWith("found 28"), e.getMessage());
    }

    @Test
    void unknownVersionAndFlags() {
        byte[] v3 = versionHeader(3);
        assertError(v3, "expected checkpoint version 1 or 2 after the magic \"ak42\", found version 3");
        byte[] badFlag = versionHeader(1);
        badFlag[36] = 7;
        assertError(badFlag, "expected the shared-classifier flag to be 0 or 1, found 7");
        assertError(Arrays.copyOf(versionHeader(1), 100),
                "expected a 256-byte header after the magic \"ak42\", found a file of 100 bytes");
    }

    @Test
    void otherFormatsAreNamed() {
        assertError(pad("GGUF\u0003\u0000\u0000\u0000"), "expected a llama2.c checkpoint, found a GGUF file (llama.cpp)");
        assertError(pad("PK\u0003\u0004"), "expected a llama2.c checkpoint, found a zip archive (a PyTorch .pt/.pth file?);"
                + " convert it with llama2.c's export.py");
        assertError(pad("<!DOCTYPE html><html>"), "expected a llama2.c checkpoint, found a text document (an HTML page?), not model weights");
    }

    @Test
    void quantizedGroupSizeMustDivideTheRows() {
        byte[] header = versionHeader(2);
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(37, 64);
        assertError(header, "expected a quantization group size that divides dim 64 and hidden_dim 172, found 64");
    }

    private static void assertError(byte[] file, String message) {
        FormatException e = assertThrows(FormatException.class, () -> Checkpoint.read(file));
        assertEquals(message, e.getMessage());
    }

    static byte[] legacyHeader(int... ints) {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return b.array();
    }

    /** A stories260K-shaped header of the given version and nothing else. */
    private static byte[] versionHeader(int version) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Checkpoint.MAGIC).putInt(version).putInt(64).putInt(172).putInt(5).putInt(8).putInt(4)
                .putInt(512).putInt(512).put((byte) 1);
        return b.array();
    }

    private static byte[] pad(String start) {
        return Arrays.copyOf(start.getBytes(StandardCharsets.ISO_8859_1), 300);
    }

    static byte[] write(Config config, FloatWeights weights, int version) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelWriter.write(config, weights, version, out);
        return out.toByteArray();
    }

    static String storyOf(Model model, float temperature, long seed) {
        return storyOf(model, "", temperature, seed);
    }

    /** What the command line prints, without its final newline. */
    static String storyOf(Model model, String prompt, float temperature, long seed) {
        Config c = model.config();
        int steps = Generator.clampSteps(256, c.seqLen());
        Generator generator = new Generator(model.newTransformer(steps), Shared.loadTokenizer("tok512.bin", c.vocabSize()),
                new Sampler(c.vocabSize(), temperature, 0.9f, seed), prompt, steps);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] piece;
        while ((piece = generator.next()) != null) {
            if (Tokenizer.isSafeToPrint(piece)) {
                out.writeBytes(piece);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

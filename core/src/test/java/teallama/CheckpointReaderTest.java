package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import teallama.jvm.ShardThreads;

/** The streaming reader: any chunking gives the same model, and bad files stop at their first bytes. */
class CheckpointReaderTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void chunksOfAnySizeGiveTheSameWeights() {
        for (String name : new String[] {"stories260K.bin", "random-mini-q80.bin"}) {
            byte[] file = Shared.read(Shared.model(name));
            Model whole = Checkpoint.read(file);
            float[] expected = logitsAfterTwoTokens(whole);
            Random random = new Random(3);
            for (int maxChunk : new int[] {1, 3, 7, 4096, 65537}) {
                CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
                if (maxChunk % 2 == 1) {
                    reader.holdMatricesIn(new ArrayMatrixMemory(Long.MAX_VALUE));
                }
                for (int offset = 0; offset < file.length; ) {
                    int n = Math.min(file.length - offset, 1 + random.nextInt(maxChunk));
                    reader.accept(file, offset, n);
                    offset += n;
                }
                assertArrayEquals(expected, logitsAfterTwoTokens(reader.finish()), name + " in chunks up to " + maxChunk);
            }
        }
    }

    /** Matrices that do not all fit in the platform's memory go to arrays, all of them. */
    @Test
    void matricesThatDoNotFitInMemoryGoToArrays() {
        byte[] file = Shared.read(Shared.model("stories260K.bin"));
        float[] expected = logitsAfterTwoTokens(Checkpoint.read(file));
        ArrayMatrixMemory roomy = new ArrayMatrixMemory(Long.MAX_VALUE);
        ArrayMatrixMemory small = new ArrayMatrixMemory(1000);
        int[] matrixFloats = new int[2];
        for (int m = 0; m < 2; m++) {
            ArrayMatrixMemory memory = m == 0 ? roomy : small;
            CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
            reader.holdMatricesIn(memory);
            reader.accept(file, 0, file.length);
            Model model = reader.finish();
            matrixFloats[m] = memory.allocated(); // before a forward pass puts its KV cache there too
            assertArrayEquals(expected, logitsAfterTwoTokens(model));
        }
        // stories260K's matrices and its shared embedding table: dim 64, hidden 172, kv dim 32, 5 layers, vocab 512
        assertEquals(5 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 172 * 64) + 512 * 64, matrixFloats[0]);
        assertEquals(0, matrixFloats[1]);
        // and the KV cache of two positions: 5 layers, 4 kv heads of 8 dimensions, keys in a block of 8
        // timesteps, values for the 2 positions
        assertEquals(matrixFloats[0] + 5 * 4 * 8 * 8 + 5 * 4 * 8 * 2, roomy.allocated());
        assertEquals(0, small.allocated());
    }

    @Test
    void theHeaderIsReadAsSoonAsItsBytesAreIn() {
        byte[] file = Shared.read(Shared.model("random-mini-q80.bin"));
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        reader.accept(file, 0, 255);
        assertNull(reader.header(), "a version 2 header is 256 bytes");
        reader.accept(file, 255, 1);
        assertNotNull(reader.header());
        assertEquals(new Config(128, 384, 2, 4, 2, 512, 128), reader.header().config());
        assertEquals(file.length, reader.header().fileSize());
    }

    /** A worthwhile reader splits by the file size its header gives: a thread per 16 MiB, up to the most asked for. */
    @Test
    void aWorthwhileReaderSplitsByTheSizeInTheHeader() {
        // the 15M shape's header alone: 288, 768, 6 layers, 6 heads, 6 kv heads, 32000 shared, 256
        ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : new int[] {288, 768, 6, 6, 6, 32000, 256}) {
            header.putInt(value);
        }
        int[][] mostAndShards = {{8, 3}, {2, 2}, {1, 1}}; // 60816028 bytes: 3 times 16 MiB and a bit
        for (int[] c : mostAndShards) {
            CheckpointReader reader = CheckpointReader.worthwhile(c[0], 0, Limits.UNLIMITED);
            reader.accept(header.array(), 0, 28);
            assertEquals(60816028, reader.header().fileSize());
            assertEquals(c[1], reader.plan().shards(), "at most " + c[0]);
        }
        byte[] small = Shared.read(Shared.model("stories260K.bin"));
        CheckpointReader reader = CheckpointReader.worthwhile(8, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        reader.accept(small, 0, small.length);
        assertEquals(1, reader.finish().plan().shards(), "1 MB: one thread");
        CheckpointReader asked = CheckpointReader.of(4, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        asked.accept(small, 0, small.length);
        assertEquals(4, asked.finish().plan().shards(), "without worthwhile, the shards asked for");
    }

    @Test
    void anHtmlPageIsRefusedAtItsFirstBytes() {
        byte[] page = "<!DOCTYPE html><html><head><title>Not found</title>".getBytes(StandardCharsets.US_ASCII);
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        reader.expectSize(1L << 30);
        reader.accept(page, 0, 8);
        FormatException e = assertThrows(FormatException.class, () -> reader.accept(page, 8, 16));
        assertEquals("expected a llama2.c checkpoint, found a text document (an HTML page?), not model weights",
                e.getMessage());
    }

    @Test
    void aLengthThatDisagreesWithTheHeaderIsRefusedBeforeTheWeights() {
        byte[] file = Shared.read(Shared.model("stories260K.bin"));
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        reader.expectSize(file.length + 1000L);
        FormatException e = assertThrows(FormatException.class, () -> reader.accept(file, 0, 256));
        assertTrue(e.getMessage().startsWith("checkpoint size does not match its header"), e.getMessage());
        assertTrue(e.getMessage().endsWith("expected 1056540 bytes, found 1057540"), e.getMessage());
    }

    /**
     * Another site's Content-Length, perhaps of a compressed body: one below the header's size,
     * as gzip makes it, lets the file be read; one at most a thousandth and a kilobyte above (what
     * compressing may add) too; one further above is refused before the weights, given before the
     * header's bytes or after them.
     */
    @Test
    void aLengthOfACompressedBodyIsTheLeastTheFileHas() {
        byte[] file = Shared.read(Shared.model("stories260K.bin"));
        float[] expected = logitsAfterTwoTokens(Checkpoint.read(file));
        for (long least : new long[] {979902, 1056540 + 1056 + 1024}) {
            CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
            reader.expectSizeAtLeast(least);
            reader.accept(file, 0, file.length);
            assertArrayEquals(expected, logitsAfterTwoTokens(reader.finish()), "at least " + least);
        }
        CheckpointReader before = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        before.expectSizeAtLeast(1L << 30);
        FormatException early = assertThrows(FormatException.class, () -> before.accept(file, 0, 256));
        assertTrue(early.getMessage().endsWith("expected 1056540 bytes, found 1073741824"), early.getMessage());
        CheckpointReader after = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        after.accept(file, 0, 256);
        FormatException late = assertThrows(FormatException.class, () -> after.expectSizeAtLeast(1056540 + 2200));
        assertTrue(late.getMessage().endsWith("expected 1056540 bytes, found 1058740"), late.getMessage());
    }

    @Test
    void moreBytesThanTheHeaderSaysStopTheReading() {
        byte[] file = Arrays.copyOf(Shared.read(Shared.model("stories260K.bin")), 1056540 + 10);
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        FormatException e = assertThrows(FormatException.class, () -> reader.accept(file, 0, file.length));
        assertTrue(e.getMessage().endsWith("expected 1056540 bytes, found more"), e.getMessage());
    }

    @Test
    void weightsThatDoNotFitAreRefusedBeforeAllocation() {
        byte[] file = Shared.read(Shared.model("stories260K.bin"));
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS,
                new Limits(Config.MAX_ARRAY_LENGTH, 1 << 19));
        FormatException e = assertThrows(FormatException.class, () -> reader.accept(file, 0, 4096));
        assertEquals("its weights need 1.0 MiB of memory, and 0.5 MiB are free", e.getMessage());
    }

    @Test
    void aShardWithoutRowsOfAWideMatrixCostsNothingBeforeItsBytes() {
        // dim 65536 and 3 tokens: shard 1 of 4 owns no row of the embedding table (a block of rows
        // is 8), which was laid out through a scratch block of 8 rows, 2 MiB, before any weight
        byte[] file = new byte[4096];
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(65536).putInt(8).putInt(1).putInt(1).putInt(1)
                .putInt(3).putInt(1);
        CheckpointReader reader = CheckpointReader.of(4, 1, new Limits(Config.MAX_ARRAY_LENGTH, 1L << 40));
        long before = THREADS.getCurrentThreadAllocatedBytes();
        reader.accept(file, 0, file.length);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(4, reader.plan().shards());
        assertTrue(allocated < 512 << 10, "reading 4 KiB of a model allocated " + allocated + " bytes");
    }

    /**
     * Read from a file of known length, the int8 matrices of all layers share one array per matrix
     * and shard (Q8Matrix.Layers), unless that array would be longer than the platform allocates;
     * either way every matrix multiplies as the same matrix in its own array (the length unknown),
     * in both int8 kernels, and the logits are the same, on one shard and on two.
     */
    @Test
    void int8LayersShareOneArrayWhereItFits() throws IOException {
        // 10 layers of dim 32: a layer's wq is 4 blocks of 32 columns, all layers 1280 longs
        Config c = new Config(32, 32, 10, 4, 4, 8, 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelWriter.writeQuantized(c, ModelWriter.randomWeights(c, true, 5), 8, out);
        byte[] file = out.toByteArray();
        for (int shards : new int[] {1, 2}) {
            CheckpointReader unsized = CheckpointReader.of(shards, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
            unsized.accept(file, 0, file.length);
            Model separate = unsized.finish();
            float[] expected = logitsOfTwoTokens(separate);
            // a long counts as two elements of the limit: 2560 fits in 4096, not in 2048
            for (int maxArrayLength : new int[] {Config.MAX_ARRAY_LENGTH, 4096, 2048}) {
                CheckpointReader reader = CheckpointReader.of(shards, CheckpointReader.ALL_SHARDS,
                        new Limits(maxArrayLength, Long.MAX_VALUE));
                reader.expectSize(file.length);
                reader.accept(file, 0, file.length);
                Model model = reader.finish();
                String what = shards + " shards, arrays of at most " + maxArrayLength;
                for (int s = 0; s < shards; s++) {
                    QuantizedWeights read = (QuantizedWeights) model.shards()[s];
                    QuantizedWeights alone = (QuantizedWeights) separate.shards()[s];
                    boolean shared = read.wq()[0].weights() == read.wq()[9].weights();
                    assertEquals(shards == 2 || maxArrayLength >= 2 * 1280, shared, what);
                    assertNotSame(alone.wq()[0].weights(), alone.wq()[9].weights());
                    for (int l = 0; l < c.nLayers(); l++) {
                        assertSameProducts(alone.w1()[l], read.w1()[l], what + ", w1 of layer " + l);
                        assertSameProducts(alone.wo()[l], read.wo()[l], what + ", wo of layer " + l);
                    }
                }
                assertArrayEquals(expected, logitsOfTwoTokens(model), what);
            }
        }
    }

    /** The int8 kernel gives the same products for matrix a and matrix b, whose rows are the same. */
    private static void assertSameProducts(Q8Matrix a, Q8Matrix b, String what) {
        float[] x = new float[a.cols()];
        Random random = new Random(a.rows() * 31 + a.cols());
        for (int j = 0; j < x.length; j++) {
            x[j] = random.nextFloat() * 2 - 1;
        }
        Q8Input input = new Q8Input(x.length, a.groupSize());
        input.set(x, x.length);
        float[] expected = new float[a.rows()];
        float[] found = new float[b.rows()];
        Q8Kernels.matmul(expected, 0, input, a);
        Q8Kernels.matmul(found, 0, input, b);
        assertArrayEquals(expected, found, what);
    }

    private static float[] logitsOfTwoTokens(Model model) {
        try (ShardThreads shards = ShardThreads.start(model, 2)) {
            Transformer transformer = shards.transformer();
            transformer.forward(1, 0);
            return transformer.forward(5, 1).clone();
        }
    }

    private static float[] logitsAfterTwoTokens(Model model) {
        Transformer transformer = model.newTransformer(2);
        transformer.forward(Tokenizer.BOS, 0);
        return transformer.forward(300, 1).clone();
    }
}

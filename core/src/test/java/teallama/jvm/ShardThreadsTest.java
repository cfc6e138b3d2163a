package teallama.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;

import org.junit.jupiter.api.Test;

import teallama.ArrayMatrixMemory;
import teallama.Checkpoint;
import teallama.CheckpointReader;
import teallama.Config;
import teallama.FloatMath;
import teallama.FloatWeights;
import teallama.Kernels;
import teallama.Limits;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Sampler;
import teallama.Shared;
import teallama.Transformer;
import teallama.parallel.ShardPlan;

/**
 * Every way of splitting a model gives the logits of one shard, bit for bit: uneven splits, GQA,
 * more shards than kv heads, more shards than blocks of rows, head sizes that are not a multiple
 * of the interleaved block, fp32 and int8. Positions that also sum the exponentials of the logits
 * (every third one) give one shard's sum of them bit for bit, and it is within 1e-5 of the sum
 * run.c's softmax divides by (taken in another order). Positions whose shards take softmax's
 * numerators at a temperature (every third one) give run.c's, bit for bit, and from them the
 * sampler's probabilities are run.c's.
 */
class ShardThreadsTest {
    private static final int POSITIONS = 12;

    @Test
    void gqaModelWithUnevenSplits() {
        Config c = new Config(48, 96, 2, 6, 3, 512, 32); // head size 8, 2 query heads per kv head
        assertShardsMatchOneShard(fp32(c, true), 1, 2, 3, 4, 5, 6, 8);
        assertShardsMatchOneShard(int8(c, true, 8), 1, 2, 3, 4, 6);
    }

    @Test
    void headsThatStraddleBlocksAndASeparateClassifier() {
        Config c = new Config(40, 100, 2, 4, 4, 300, 16); // head size 10; hidden 100 ends in a short block
        assertShardsMatchOneShard(fp32(c, false), 1, 2, 3, 4, 5, 7);
        assertShardsMatchOneShard(int8(c, false, 20), 1, 2, 3, 5);
    }

    @Test
    void stories260K() {
        assertShardsMatchOneShard(Shared.read(Shared.model("stories260K.bin")), 2, 3, 8, 16);
    }

    /** The matrices in a platform's memory (as in the browser) give the same logits as in arrays. */
    @Test
    void matricesInAPlatformsMemory() {
        assertShardsMatchOneShardInMemory(Shared.read(Shared.model("stories260K.bin")), 1, 2, 3, 8);
        assertShardsMatchOneShardInMemory(fp32(new Config(40, 100, 2, 4, 4, 300, 16), false), 1, 2, 3, 5);
        assertShardsMatchOneShardInMemory(fp32(new Config(48, 96, 2, 6, 3, 512, 32), true), 1, 4, 6);
        assertShardsMatchOneShardInMemory(int8(new Config(48, 96, 2, 6, 3, 512, 32), true, 8), 1, 2, 3, 6);
        assertShardsMatchOneShardInMemory(int8(new Config(40, 100, 2, 4, 4, 300, 16), false, 20), 1, 3);
    }

    /**
     * Feeds the same random tokens to one shard and to n shards and compares every logit, or the
     * sum of exponentials, or softmax's numerators and then the probabilities, by position.
     */
    private static void assertShardsMatchOneShard(byte[] file, int... shardCounts) {
        assertShardsMatch(file, false, shardCounts);
    }

    private static void assertShardsMatchOneShardInMemory(byte[] file, int... shardCounts) {
        assertShardsMatch(file, true, shardCounts);
    }

    private static void assertShardsMatch(byte[] file, boolean inMemory, int... shardCounts) {
        Model whole = Checkpoint.read(file);
        Config c = whole.config();
        int[] tokens = new Random(7).ints(POSITIONS, 0, c.vocabSize()).toArray();
        Transformer reference = whole.newTransformer(POSITIONS);
        float[][] expected = new float[POSITIONS][];
        for (int pos = 0; pos < POSITIONS; pos++) {
            expected[pos] = reference.forward(tokens[pos], pos).clone();
        }
        for (int n : shardCounts) {
            CheckpointReader reader = CheckpointReader.of(n, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
            ArrayMatrixMemory memory = new ArrayMatrixMemory(Long.MAX_VALUE);
            if (inMemory) {
                reader.holdMatricesIn(memory);
            }
            reader.accept(file, 0, file.length);
            Model model = reader.finish();
            assertTrue(model.plan().shards() <= n);
            if (inMemory) {
                assertEquals(heldFloats(model), memory.allocated(), "floats held in memory, " + n + " shards");
            }
            try (ShardThreads threads = ShardThreads.start(model, POSITIONS)) {
                Transformer transformer = threads.transformer();
                for (int pos = 0; pos < POSITIONS; pos++) {
                    String where = n + " shards (" + model.plan() + "), position " + pos;
                    transformer.sumExponentials(pos % 3 == 1);
                    // below 1, and above, where the division can make two logits one
                    float temperature = pos % 3 != 2 ? 0.0f : pos % 2 == 0 ? 0.7f : 1.7f;
                    transformer.exponentiateAt(temperature);
                    float[] logits = transformer.forward(tokens[pos], pos);
                    assertEquals(temperature, transformer.exponentiatedAt(), where);
                    if (pos % 3 == 2) {
                        assertArrayEquals(runcNumerators(expected[pos], temperature), logits, where);
                        float[] probabilities = expected[pos].clone();
                        Sampler sampler = new Sampler(c.vocabSize(), temperature, 0.9f, 1);
                        assertEquals(-1, sampler.toProbabilities(probabilities));
                        assertEquals(-1, sampler.toProbabilities(logits, temperature));
                        assertArrayEquals(probabilities, logits, where);
                        continue;
                    }
                    assertArrayEquals(expected[pos], logits, where);
                    if (pos % 3 == 1) {
                        float sum = softmaxSum(expected[pos]);
                        assertEquals(sum, transformer.softmaxSum(), 1e-5f * sum, where);
                        // the sum of one shard, bit for bit, for --probs is the same file for any -j
                        float oneShard = Kernels.sumOfExp(expected[pos], expected[pos].length, largest(expected[pos]));
                        assertEquals(oneShard, transformer.softmaxSum(), 0f, where);
                    }
                }
            }
        }
    }

    /**
     * What the shards' matrices take in a memory of floats: fp32, every matrix and the embedding
     * table where it is the classifier; int8, a long (two floats) per column of 8 rows and a
     * float per row of 8 per group, the scales.
     */
    private static long heldFloats(Model model) {
        Config c = model.config();
        boolean shared = model.header().sharedClassifier();
        long floats = 0;
        for (Checkpoint.Tensor t : Checkpoint.layout(model.header().version(), shared)) {
            if (t == Checkpoint.Tensor.FREQ_CIS || ShardPlan.isWhole(t)) {
                continue;
            }
            for (int s = 0; s < model.plan().shards(); s++) {
                int rows = model.plan().rows(t).size(s);
                long blocks = (rows + 7) / 8;
                // int8: a long per column of a block of 8 rows, and a float per row of a block per group
                floats += model.header().version() == 2
                        ? t.layers(c) * blocks * (2L * t.cols(c) + 8L * (t.cols(c) / model.header().groupSize()))
                        : FloatWeights.isInterleaved(t, shared) ? (long) t.layers(c) * rows * t.cols(c) : 0;
            }
        }
        return floats;
    }

    /**
     * What run.c's sample() computes from the logits before its sum: each divided by the
     * temperature, then expf(that - the largest of them), in a loop of its own.
     */
    private static float[] runcNumerators(float[] logits, float temperature) {
        float[] x = new float[logits.length];
        float largest = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = logits[i] / temperature;
            largest = i == 0 || x[i] > largest ? x[i] : largest;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = FloatMath.expf(x[i] - largest);
        }
        return x;
    }

    /** run.c's softmax denominator: the sum of expf(logit - largest) in id order. */
    private static float softmaxSum(float[] logits) {
        float largest = largest(logits);
        float sum = 0.0f;
        for (float logit : logits) {
            sum += FloatMath.expf(logit - largest);
        }
        return sum;
    }

    private static float largest(float[] logits) {
        float largest = logits[0];
        for (float logit : logits) {
            largest = Math.max(largest, logit);
        }
        return largest;
    }

    private static byte[] fp32(Config c, boolean shared) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelWriter.write(c, ModelWriter.randomWeights(c, shared, 5), 1, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] int8(Config c, boolean shared, int groupSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            FloatWeights weights = ModelWriter.randomWeights(c, shared, 5);
            ModelWriter.writeQuantized(c, weights, groupSize, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

package teallama.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

import teallama.Checkpoint;
import teallama.CheckpointReader;
import teallama.Cli;
import teallama.GenerationException;
import teallama.Generator;
import teallama.Limits;
import teallama.Model;
import teallama.Sampler;
import teallama.Shared;
import teallama.Tokenizer;
import teallama.Transformer;

/**
 * Where the shards cannot take softmax's numerators (Transformer#exponentiateAt), the logits come
 * back as they are and the story goes as it went before: a logit that is not finite ends it with
 * the same error, and a temperature that overflows the largest logit takes the largest logit.
 */
class ExponentiatingShardsTest {
    @Test
    void aLogitThatIsNotFiniteIsLeftForTheCheck() {
        for (int nanToken : new int[] {5, 500}) { // of 512: in shard 0's rows, and in the last shard's
            byte[] file = Shared.read(Shared.model("stories260K.bin"));
            Model model = Checkpoint.read(file);
            // the embedding table, which stories260K's classifier shares, comes first after the header
            int row = model.header().bytes() + 4 * nanToken * model.config().dim();
            ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putFloat(row, Float.NaN);
            Tokenizer tokenizer = Shared.loadTokenizer("tok512.bin", 512);
            for (int n : new int[] {1, 2, 3}) {
                String where = n + " shards, NaN logit " + nanToken;
                CheckpointReader reader = CheckpointReader.of(n, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
                reader.accept(file, 0, file.length);
                try (ShardThreads threads = ShardThreads.start(reader.finish(), 16)) {
                    Transformer transformer = threads.transformer();
                    transformer.exponentiateAt(1.0f);
                    float[] logits = transformer.forward(Tokenizer.BOS, 0);
                    assertEquals(0.0f, transformer.exponentiatedAt(), where);
                    assertTrue(Float.isNaN(logits[nanToken]), where);
                    assertTrue(Float.isFinite(logits[nanToken - 1]), where);
                    Generator generator = new Generator(transformer, tokenizer, new Sampler(512, 1.0f, 0.9f, 7), "", 16);
                    GenerationException e = assertThrows(GenerationException.class, generator::next);
                    assertEquals("the model's logits at position 0 are not finite (token " + nanToken + "'s is NaN):"
                            + " its weights hold NaN or infinity, or its sums overflow", e.getMessage(), where);
                }
            }
        }
    }

    /**
     * At temperature 1e-39 the largest logit divided by it overflows (any logit above 0.34 in size
     * would): the shards leave the logits, and the largest wins: case01's story, told at 0.
     */
    @Test
    void aTemperatureThatOverflowsTheLargestLogitTakesIt() {
        Model model = Shared.loadModel("stories260K.bin");
        try (ShardThreads threads = ShardThreads.start(model, 16)) {
            Transformer transformer = threads.transformer();
            transformer.exponentiateAt(1e-39f);
            transformer.forward(Tokenizer.BOS, 0);
            assertEquals(0.0f, transformer.exponentiatedAt());
        }
        byte[] greedy = Shared.read(Shared.golden("generate/case01.txt"));
        for (String threads : new String[] {"1", "2", "3"}) {
            Cli cli = Cli.run(Cli.stories260K("-t", "1e-39", "-p", "0.9", "-s", "1", "-n", "200", "-j", threads));
            assertEquals(0, cli.status(), cli.stderr());
            assertArrayEquals(greedy, cli.stdout(), () -> "-j " + threads + " printed:\n" + cli.text());
        }
    }
}

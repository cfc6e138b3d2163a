package teallama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import teallama.jvm.ShardThreads;

/**
 * Hostile files, fed as a download feeds them: checkpoints of versions 0, 1 and 2 and tokenizers,
 * damaged by {@link Mutator}, go to {@link CheckpointReader} in chunks of random sizes, with and
 * without a Content-Length, on one shard or several; a model that loads writes a few tokens with
 * random settings, prompts and keep. Every case must work or end in one of the project's errors,
 * with a one-line message: a FormatException for a file, an IllegalArgumentException for a run
 * that does not fit (refused before anything is allocated), a GenerationException for logits
 * that are not numbers. Nothing else: no other exception, no Error. And each case allocates at
 * most a bound set by the file's size and the run's positions ({@link #loadBound}, {@link #runBound}),
 * measured on this thread with ThreadMXBean.
 *
 * <p>Seeded and repeatable: case k of seed S draws from its own Random, and a failure names S and
 * k. By default 2000 checkpoints and 500 tokenizers (a few seconds). A longer run, or another seed:
 * {@code mvn -B -pl core test -Dtest=FuzzTest -Dteallama.fuzz.scale=100 -Dteallama.fuzz.seed=7}.
 * One case alone: add {@code -Dteallama.fuzz.case=k}.
 */
class FuzzTest {
    private static final long SEED = Long.getLong("teallama.fuzz.seed", 8);
    private static final int SCALE = Integer.getInteger("teallama.fuzz.scale", 1);
    private static final int ONLY_CASE = Integer.getInteger("teallama.fuzz.case", -1);
    private static final int CHECKPOINTS = 2000;
    private static final int TOKENIZERS = 500;
    private static final int STEPS = 6;                      // tokens a loaded model writes at most
    private static final long RUN_MEMORY = 64L << 20;        // what a run may take, as Limits.freeBytes
    private static final long SLACK = 256 << 10;             // objects of fixed size: the reader, the plan, messages
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static final Config SMALL = new Config(24, 48, 2, 6, 2, 298, 12); // remainders of every row block
    private static final Config TINY = new Config(8, 8, 1, 1, 1, 3, 1);       // 3 tokens, 1 position
    private static final Config DEEP = new Config(16, 8, 9, 4, 4, 11, 5);     // more layers, hidden_dim < dim
    private static final Config THIN = new Config(2, 2, 300, 1, 1, 3, 2);     // layers of a few bytes each

    private record Seed(String name, byte[] file) {
    }

    private final List<Seed> checkpoints = List.of(
            new Seed("small v0 shared", Mutator.write(SMALL, 0, true, 0, 1)),
            new Seed("small v0 separate", Mutator.write(SMALL, 0, false, 0, 2)),
            new Seed("small v1 shared", Mutator.write(SMALL, 1, true, 0, 3)),
            new Seed("small v1 separate", Mutator.write(SMALL, 1, false, 0, 4)),
            new Seed("small v2 gs 3", Mutator.write(SMALL, 2, true, 3, 5)),
            new Seed("small v2 gs 8 separate", Mutator.write(SMALL, 2, false, 8, 6)),
            new Seed("small v2 gs 24", Mutator.write(SMALL, 2, true, 24, 7)),
            new Seed("tiny v0", Mutator.write(TINY, 0, true, 0, 8)),
            new Seed("tiny v1", Mutator.write(TINY, 1, false, 0, 9)),
            new Seed("tiny v2 gs 1", Mutator.write(TINY, 2, true, 1, 10)),
            new Seed("deep v1", Mutator.write(DEEP, 1, true, 0, 11)),
            new Seed("deep v2 gs 4", Mutator.write(DEEP, 2, false, 4, 12)),
            new Seed("thin v1", Mutator.write(THIN, 1, true, 0, 13)),
            new Seed("thin v2 gs 2", Mutator.write(THIN, 2, true, 2, 14)));
    private final List<Seed> realCheckpoints = List.of(
            new Seed("stories260K.bin", Shared.read(Shared.model("stories260K.bin"))),
            new Seed("random-mini.bin", Shared.read(Shared.model("random-mini.bin"))),
            new Seed("random-mini-q80.bin", Shared.read(Shared.model("random-mini-q80.bin"))));
    private final byte[] tok512 = Shared.read(Shared.model("tok512.bin"));
    private final Map<Integer, byte[]> syntheticTokenizers = new HashMap<>();

    private static long allocated() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    private static boolean runs(int k) {
        return ONLY_CASE < 0 || ONLY_CASE == k;
    }

    // ----------------------------------------------------------------------------
    // checkpoints

    @Test
    void damagedCheckpointsLoadAndRunOrSayWhatIsWrong() {
        int loaded = 0;
        for (int k = 0; k < CHECKPOINTS * SCALE; k++) {
            if (runs(k)) {
                loaded += checkpointCase(k) ? 1 : 0;
            }
        }
        if (ONLY_CASE < 0) {
            // a fuzzer whose files never load tests only the header check
            assertTrue(loaded > CHECKPOINTS * SCALE / 10, loaded + " of " + CHECKPOINTS * SCALE + " loaded");
        }
    }

    /** Runs case k; returns whether its model loaded. */
    private boolean checkpointCase(int k) {
        Random random = new Random(SEED * 1_000_003 + k);
        List<Seed> pool = random.nextInt(24) == 0 ? realCheckpoints : checkpoints;
        Seed base = pool.get(random.nextInt(pool.size()));
        Mutator mutator = new Mutator(random);
        byte[] file = mutator.mutateCheckpoint(base.file(), checkpoints.get(random.nextInt(checkpoints.size())).file());
        long caseSeed = random.nextLong();
        String what = "seed " + SEED + " case " + k + " (" + base.name() + ", " + file.length + " bytes: " + mutator.log() + ")";
        try {
            Outcome outcome = loadAndRun(file, caseSeed);
            if (!outcome.withinBounds()) {
                // class loading and the linking of call sites happen once; a real excess repeats
                assertTrue(loadAndRun(file, caseSeed).withinBounds(), "allocated more than its bound twice");
            }
            return outcome.loaded();
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    private record Outcome(boolean loaded, boolean withinBounds) {
    }

    private Outcome loadAndRun(byte[] file, long caseSeed) {
        CheckpointCase c = new CheckpointCase(file, new Random(caseSeed));
        long before = allocated();
        Model model = c.load();
        long loading = allocated() - before;
        long bound = loadBound(file, c.shards);
        if (loading > bound) {
            System.err.println("loading took " + loading + " bytes, bound " + bound);
            return new Outcome(model != null, false);
        }
        return new Outcome(model != null, model == null || c.run(model));
    }

    /**
     * Weights take at most 8 times their bytes in the file: fp32 once; int8 a byte per weight
     * and its group's scale (group size 64: 1.06 bytes per weight in the file), and arrays
     * grown by doubling where the file's length is not given. Beside them, each layer of a
     * matrix that is in the file costs each shard a few objects (its segments, an int8 matrix
     * and its arrays): 1 KiB, which only a shape whose layers hold a few bytes each notices.
     */
    private static long loadBound(byte[] file, int shards) {
        return 8L * file.length + 1024L * shards * Mutator.matrixLayers(file) + SLACK;
    }

    /**
     * A run: the KV cache, attention scores and RoPE tables for its positions, the activations,
     * the sampler's buffers, the tokenizer and the prompt's tokens, each at most twice over. The
     * cache keeps keys in whole blocks of 8 positions and values in whole blocks of 8 dimensions
     * of a head (a head_size of 2 takes 4 times its values).
     */
    private static long runBound(Config c, int positions, long tokenizerBytes, int promptBytes) {
        long kvCache = (long) c.nLayers() * c.nKvHeads()
                * (roundUp8(positions) * c.headSize() + (long) positions * roundUp8(c.headSize()));
        long perPosition = (long) positions * (c.nHeads() + c.headSize() + 1);
        long vectors = 6L * c.dim() + 2L * c.hiddenDim() + 3L * c.vocabSize();
        return 2 * 4 * (kvCache + perPosition + vectors) + 16 * tokenizerBytes + 64L * c.vocabSize()
                + 16L * promptBytes + SLACK;
    }

    private static long roundUp8(int n) {
        return (n + 7L) / 8 * 8;
    }

    /** One damaged checkpoint: how it is read, and what runs once it loads. */
    private final class CheckpointCase {
        private final byte[] file;
        private final Random random;
        private final int shards;
        private final int keep;
        private final Limits limits;

        CheckpointCase(byte[] file, Random random) {
            this.file = file;
            this.random = random;
            this.shards = random.nextInt(4) == 0 ? 2 + random.nextInt(3) : 1;
            this.keep = shards > 1 && random.nextBoolean() ? random.nextInt(shards) : CheckpointReader.ALL_SHARDS;
            // the JVM, or a browser: its longest array and the memory worker.js measures
            this.limits = random.nextBoolean() ? new Limits(Config.MAX_ARRAY_LENGTH, 1L << 30)
                    : new Limits((1 << 28) - 4, 256L << 20);
        }

        /**
         * The model, or null after one of the errors a file may cause. The file's length is
         * known in advance (a Content-Length) or not; sometimes the download breaks off.
         */
        Model load() {
            boolean sized = random.nextInt(4) > 0;
            int arrived = random.nextInt(10) == 0 ? random.nextInt(file.length + 1) : file.length;
            int maxChunk = new int[] {1, 7, 255, 4096, 1 << 20}[random.nextInt(file.length > 65536 ? 2 : 0, 5)];
            CheckpointReader reader = CheckpointReader.of(shards, keep, limits);
            int fed = 0;
            boolean finishing = false;
            try {
                if (sized) {
                    reader.expectSize(file.length);
                }
                while (fed < arrived) {
                    int n = Math.min(arrived - fed, 1 + random.nextInt(maxChunk));
                    reader.accept(file, fed, n);
                    fed += n;
                }
                finishing = true;
                Model model = reader.finish();
                assertEquals(file.length, arrived, "a download cut short loaded");
                assertEquals(Mutator.checkpointLength(file), file.length, "a loaded checkpoint has its header's length");
                return model;
            } catch (FormatException e) {
                assertMessage(e);
                // a length known in advance is checked with the header, before the weights; only a
                // download cut short is found at its end
                assertTrue(!sized || fed < Checkpoint.HEADER_BYTES || (finishing && arrived < file.length),
                        "refused after " + fed + " bytes: " + e.getMessage());
                return null;
            } catch (IllegalArgumentException e) {
                assertMessage(e);
                assertTrue(keep != CheckpointReader.ALL_SHARDS && e.getMessage().startsWith("shard " + keep + " of a model"),
                        e.getMessage());
                return null;
            }
        }

        /** A few tokens with random settings; whether they stayed within the bound. */
        boolean run(Model model) {
            if (keep != CheckpointReader.ALL_SHARDS) {
                return true; // one shard of several runs only beside the others, in the browser
            }
            Config c = model.config();
            long before = allocated();
            int keepTokens = random.nextInt(4) == 0 ? (int) random.nextLong(-1, c.seqLen() + 1L) : 0;
            int[] asked = {0, 1, 2, 3, STEPS, c.seqLen(), c.seqLen() + 1, 100_000, -3};
            int steps;
            try {
                keepTokens = Settings.keep("keep", keepTokens, c.seqLen());
                steps = Settings.steps("steps", asked[random.nextInt(asked.length)], c.seqLen(), keepTokens);
                model.checkRun(Math.min(steps, c.seqLen()), new Limits(limits.maxArrayLength(), RUN_MEMORY));
            } catch (IllegalArgumentException e) {
                assertMessage(e);
                return true;
            }
            int positions = Math.min(steps, c.seqLen());
            byte[] tokenizerFile = c.vocabSize() == 512 ? tok512
                    : syntheticTokenizers.computeIfAbsent(c.vocabSize(), Mutator::syntheticTokenizer);
            // below 259 ids, a tokenizer has no byte for every byte: most prompts stay empty
            byte[] prompt = c.vocabSize() < 259 && random.nextInt(4) > 0 ? new byte[0] : new Mutator(random).prompt();
            float temperature = new float[] {0, 0.8f, 1, 1e-38f, 100}[random.nextInt(5)];
            float topp = new float[] {0, 0.5f, 0.9f, 1, 1e-9f}[random.nextInt(5)];
            boolean inspect = random.nextBoolean();
            try (ShardThreads threads = ShardThreads.start(model, positions)) {
                Tokenizer tokenizer = Tokenizer.read(tokenizerFile, c.vocabSize());
                Sampler sampler = new Sampler(c.vocabSize(), temperature, topp, 1 + random.nextInt(1000));
                Generator generator = new Generator(threads.transformer(), tokenizer, sampler, prompt, steps,
                        keepTokens, inspect);
                for (int i = 0; i < STEPS && generator.next() != null; i++) {
                    assertTrue(generator.token() >= 0 && generator.token() < c.vocabSize(), "token " + generator.token());
                }
            } catch (FormatException | GenerationException e) {
                assertMessage(e); // a prompt the synthetic tokenizer cannot encode, or logits that are not numbers
            }
            long running = allocated() - before;
            long bound = runBound(c, positions, tokenizerFile.length, prompt.length);
            if (running > bound) {
                System.err.println("the run took " + running + " bytes, bound " + bound);
            }
            return running <= bound;
        }
    }

    // ----------------------------------------------------------------------------
    // tokenizers

    @Test
    void damagedTokenizersLoadAndEncodeOrSayWhatIsWrong() {
        Model stories = Shared.loadModel("stories260K.bin");
        Model small = Checkpoint.read(Mutator.write(SMALL, 1, true, 0, 3));
        Model tiny = Checkpoint.read(Mutator.write(TINY, 1, true, 0, 3));
        record TokenizerSeed(String name, byte[] file, Model model) {
        }
        List<TokenizerSeed> seeds = List.of(new TokenizerSeed("tok512.bin", tok512, stories),
                new TokenizerSeed("synthetic 42", Mutator.syntheticTokenizer(42), small),
                new TokenizerSeed("synthetic 3", Mutator.syntheticTokenizer(3), tiny),
                new TokenizerSeed("synthetic 300", Mutator.syntheticTokenizer(300), null));
        for (int k = 0; k < TOKENIZERS * SCALE; k++) {
            if (!runs(k)) {
                continue;
            }
            Random random = new Random(SEED * 1_000_033 + k);
            TokenizerSeed seed = seeds.get(random.nextInt(seeds.size()));
            Mutator mutator = new Mutator(random);
            byte[] file = mutator.mutateTokenizer(seed.file());
            int vocabSize = seed.model() == null ? 300 : seed.model().config().vocabSize();
            long caseSeed = random.nextLong();
            String what = "seed " + SEED + " case " + k + " (" + seed.name() + ", " + file.length + " bytes: "
                    + mutator.log() + ")";
            try {
                if (!tokenizerWithinBounds(file, vocabSize, seed.model(), caseSeed)) {
                    assertTrue(tokenizerWithinBounds(file, vocabSize, seed.model(), caseSeed),
                            "allocated more than its bound twice");
                }
            } catch (AssertionError e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(what + ": " + e, e);
            }
        }
    }

    /**
     * Reads the tokenizer (for the model's vocab_size, or one off), encodes a prompt, decodes and
     * shows pieces, and writes a few tokens; whether it stayed within 24 bytes per byte of the
     * file (its pieces, scores and sorted ids), 64 per id and 32 per byte of the prompt.
     */
    private boolean tokenizerWithinBounds(byte[] file, int vocabSize, Model model, long caseSeed) {
        Random random = new Random(caseSeed);
        // a model's vocab_size, or one off (never below the 3 of <unk>, <s> and </s>, as Config requires)
        int expected = random.nextInt(6) == 0 ? Math.max(3, vocabSize + random.nextInt(3) - 1) : vocabSize;
        byte[] prompt = new Mutator(random).prompt();
        long before = allocated();
        try {
            Tokenizer tokenizer = Tokenizer.read(file, expected);
            int[] ids = tokenizer.encode(prompt, random.nextBoolean(), random.nextBoolean());
            for (int id : ids) {
                assertTrue(id >= 0 && id < expected, "id " + id);
            }
            for (int i = 0; i < 20; i++) {
                int id = random.nextInt(expected);
                Tokenizer.isSafeToPrint(tokenizer.decode(random.nextInt(expected), id));
                assertTrue(tokenizer.readable(id).length() > 0 || tokenizer.piece(id).length == 0, "piece " + id);
            }
            if (model != null && expected == vocabSize) {
                Sampler sampler = new Sampler(expected, 1, 0.9f, 1 + random.nextInt(1000));
                int steps = Math.min(STEPS, model.config().seqLen());
                Generator generator = new Generator(model.newTransformer(steps), tokenizer, sampler, prompt, steps, 0,
                        random.nextBoolean());
                for (int i = 0; i < STEPS && generator.next() != null; i++) {
                    assertTrue(generator.token() >= 0 && generator.token() < expected);
                }
            }
        } catch (FormatException e) {
            assertMessage(e);
        }
        long used = allocated() - before;
        long bound = 24L * file.length + 64L * expected + 32L * prompt.length + SLACK
                + (model == null ? 0 : runBound(model.config(), STEPS, 0, 0));
        if (used > bound) {
            System.err.println("the tokenizer took " + used + " bytes, bound " + bound);
        }
        return used <= bound;
    }

    private static void assertMessage(RuntimeException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank() || message.contains("\n")) {
            fail("an error without a one-line message: " + e);
        }
    }
}

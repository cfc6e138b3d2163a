package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Writing past the context window, checked against a plain reference that knows nothing of it. */
class GeneratorTest {
    private static final int KEEP = 64;

    private static Model randomMini() {
        return Shared.loadModel("random-mini.bin");
    }

    private static Tokenizer tok512() {
        return Shared.loadTokenizer("tok512.bin", 512);
    }

    /** Every token of a story: index i is the token at position i, BOS at 0. */
    private static List<Integer> run(Generator generator, List<float[]> logits) {
        List<Integer> tokens = new ArrayList<>();
        tokens.add(Tokenizer.BOS);
        while (!generator.isDone()) {
            generator.next();
            if (logits != null) {
                logits.add(generator.logits().clone());
            }
            tokens.add(generator.token());
        }
        return tokens;
    }

    /**
     * The reference: a fresh transformer per window. Steps 0..127 run in the first; when step s
     * finds the 128 positions used, a new transformer runs the last 64 tokens (those at s-63..s)
     * at positions 0..63 and the story goes on from there. At temperature 0 the logits of every
     * step must be bit for bit the generator's, which runs all windows in one transformer.
     */
    @Test
    void keptTokensGiveTheLogitsOfAFreshTransformer() {
        Model model = randomMini();
        int seqLen = model.config().seqLen();
        Generator generator = new Generator(model.newTransformer(seqLen), tok512(),
                new Sampler(512, 0.0f, 0.9f, 1), new byte[0], 400, KEEP, false);
        List<float[]> logits = new ArrayList<>();
        List<Integer> tokens = run(generator, logits);
        assertEquals(401, tokens.size(), "400 steps, no BOS: the test sees three windows");

        Transformer reference = null;
        int windowStart = 0;
        for (int step = 0; step < 400; step++) {
            if (reference == null || step - windowStart == seqLen) {
                reference = model.newTransformer(seqLen);
                windowStart = step == 0 ? 0 : step - (KEEP - 1);
                for (int i = windowStart; i < step; i++) {
                    reference.forward(tokens.get(i), i - windowStart);
                }
            }
            float[] expected = reference.forward(tokens.get(step), step - windowStart);
            assertArrayEquals(expected, logits.get(step), "logits at step " + step);
            assertEquals(Sampler.sampleArgmax(expected, 512), tokens.get(step + 1), "token at step " + step + 1);
        }
    }

    /**
     * The same with sampling: one sampler of the same seed, drawing once per sampled step across
     * the windows, picks every token the generator picked.
     */
    @Test
    void keepingGoesOnWithTheSameRandomNumbers() {
        Model model = randomMini();
        int seqLen = model.config().seqLen();
        byte[] prompt = "Once upon".getBytes();
        Tokenizer tokenizer = tok512();
        Generator generator = new Generator(model.newTransformer(seqLen), tokenizer,
                new Sampler(512, 1.0f, 0.9f, 7), prompt, 1000, KEEP, false);
        List<Integer> tokens = run(generator, null);
        assertEquals(1001, tokens.size());

        int[] promptTokens = tokenizer.encode(prompt, true, false);
        Sampler sampler = new Sampler(512, 1.0f, 0.9f, 7);
        Transformer reference = null;
        int windowStart = 0;
        for (int step = 0; step < 1000; step++) {
            if (reference == null || step - windowStart == seqLen) {
                reference = model.newTransformer(seqLen);
                windowStart = step == 0 ? 0 : step - (KEEP - 1);
                for (int i = windowStart; i < step; i++) {
                    reference.forward(tokens.get(i), i - windowStart);
                }
            }
            float[] logits = reference.forward(tokens.get(step), step - windowStart);
            int next = step < promptTokens.length - 1 ? promptTokens[step + 1] : sampler.sample(logits);
            assertEquals(next, tokens.get(step + 1), "token at step " + (step + 1));
        }
    }

    /**
     * The page runs the kept tokens again one a call (rerunKeptToken), to hear Stop between
     * them: keep - 1 calls at each shift, and the story is the one next() alone tells, which
     * keepingGoesOnWithTheSameRandomNumbers checks against a reference.
     */
    @Test
    void keptTokensRunAgainOneACall() {
        Model model = randomMini();
        for (int keep : new int[] {1, 2, KEEP, 127}) {
            Generator alone = new Generator(model.newTransformer(128), tok512(), new Sampler(512, 1.0f, 0.9f, 7),
                    "Once upon".getBytes(), 1000, keep, false);
            Generator page = new Generator(model.newTransformer(128), tok512(), new Sampler(512, 1.0f, 0.9f, 7),
                    "Once upon".getBytes(), 1000, keep, false);
            List<Integer> tokens = new ArrayList<>(List.of(Tokenizer.BOS));
            int reruns = 0;
            while (!page.isDone()) {
                while (page.rerunKeptToken()) {
                    reruns++;
                }
                page.next();
                tokens.add(page.token());
            }
            assertEquals(run(alone, null), tokens, "keep " + keep);
            // 128 steps, then a shift before each window of positions keep-1..127
            int shifts = (page.position() - 128 + (128 - keep)) / (129 - keep);
            assertEquals(shifts * (keep - 1), reruns, "keep " + keep + ", " + page.position() + " steps");
        }
    }

    /** The first seq_len tokens are run.c's, and -n 1000 -k 64 runs 1000 steps. */
    @Test
    void commandLineKeepsWritingPastTheContext() throws Exception {
        String[] args = {Shared.model("random-mini.bin").toString(), "-z", Shared.model("tok512.bin").toString(),
            "-t", "1", "-p", "0.9", "-s", "4", "-n", "1000", "-k", "64"};
        Cli cli = Cli.run(args);
        assertEquals(0, cli.status(), cli.stderr());
        byte[] runC;
        try (var in = GeneratorTest.class.getResourceAsStream("/runc/random-mini-s4.txt")) {
            runC = in.readAllBytes();
        }
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        prefix.write(cli.stdout(), 0, runC.length - 1);
        prefix.write('\n');
        assertArrayEquals(runC, prefix.toByteArray(), "run.c's 128 tokens, then more");
        assertTrue(cli.stdout().length > 4 * runC.length, "the story went on");

        Generator generator = new Generator(randomMini().newTransformer(128), tok512(),
                new Sampler(512, 1.0f, 0.9f, 4), new byte[0], 1000, KEEP, false);
        assertEquals(1001, run(generator, null).size());
        assertEquals(1000, generator.position());
    }

    @Test
    void keepMustLeaveRoomInTheContext() {
        Model model = randomMini();
        Transformer transformer = model.newTransformer(128);
        Sampler sampler = new Sampler(512, 0.0f, 0.9f, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(transformer, tok512(), sampler, new byte[0], 1000, 128, false));
        assertEquals("keep must be within [0, 127], found 128", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(transformer, tok512(), sampler, new byte[0], 129, 0, false));
        assertEquals("steps 129 exceed the 128 positions of the transformer", e.getMessage());
    }

    /** -n 50 -k 64 on random-mini: the context never fills, so keeping more than 50 is no error. */
    @Test
    void keepNeedsNoRoomWhenTheStepsFit() {
        Cli cli = Cli.run(Shared.model("random-mini.bin").toString(), "-z", Shared.model("tok512.bin").toString(),
                "-t", "1", "-p", "0.9", "-s", "4", "-n", "50", "-k", "64");
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(Cli.run(Shared.model("random-mini.bin").toString(), "-z", Shared.model("tok512.bin").toString(),
                "-t", "1", "-p", "0.9", "-s", "4", "-n", "50").stdout(), cli.stdout());
    }
}

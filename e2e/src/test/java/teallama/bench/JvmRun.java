package teallama.bench;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import teallama.Checkpoint;
import teallama.Generator;
import teallama.Model;
import teallama.Sampler;
import teallama.Tokenizer;

/**
 * One benchmark run on the JVM, in a fresh JVM: what the command line does for {@code -t 0 -n
 * STEPS} with no prompt, timed as the page times it. Prints one line of JSON.
 */
public final class JvmRun {
    private JvmRun() {
    }

    public static void main(String[] args) throws IOException {
        byte[] modelBytes = readFile(args[0]);
        byte[] tokenizerBytes = readFile(args[1]);
        int steps = Integer.parseInt(args[2]);

        // bytes in memory to first token, as on the page
        long loadStart = System.nanoTime();
        Model model = Checkpoint.read(modelBytes);
        Tokenizer tokenizer = Tokenizer.read(tokenizerBytes, model.config().vocabSize());
        int clamped = Generator.clampSteps(steps, model.config().seqLen());
        Generator generator = new Generator(model.newTransformer(clamped), tokenizer,
                new Sampler(model.config().vocabSize(), 0.0f, 0.9f, 1), "", clamped);
        long first = 0;
        int tokens = 0;
        while (generator.next() != null) {
            tokens++;
            if (first == 0) {
                first = System.nanoTime();
            }
        }
        long end = System.nanoTime();
        // run.c's measure: positions after the first, over the time since the first
        double tokPerSec = (generator.position() - 1) / ((end - first) / 1e9);
        System.out.println(String.format(Locale.ROOT, "{\"tokens\": %d, \"tokPerSec\": %.3f, \"firstTokenMs\": %.1f}",
                tokens, tokPerSec, (first - loadStart) / 1e6));
    }

    private static byte[] readFile(String path) throws IOException {
        try (InputStream in = new FileInputStream(path)) {
            return in.readAllBytes();
        }
    }
}

package teallama.bench;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import teallama.Generator;
import teallama.Model;
import teallama.Sampler;
import teallama.Tokenizer;
import teallama.cli.ModelFile;
import teallama.jvm.ShardThreads;

/**
 * One benchmark run on the JVM, in a fresh JVM: what the command line does for {@code -t 0 -n
 * STEPS -j THREADS} with no prompt, timed as the page times it. Prints one line of JSON.
 */
public final class JvmRun {
    private JvmRun() {
    }

    public static void main(String[] args) throws IOException {
        File modelFile = new File(args[0]);
        byte[] tokenizerBytes;
        try (InputStream in = new FileInputStream(args[1])) {
            tokenizerBytes = in.readAllBytes();
        }
        int steps = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);

        // start of reading to first token, as the page times it from its download's answer (worker.js, beginModel)
        long loadStart = System.nanoTime();
        Model model = ModelFile.read(modelFile, threads);
        Tokenizer tokenizer = Tokenizer.read(tokenizerBytes, model.config().vocabSize());
        int clamped = Generator.clampSteps(steps, model.config().seqLen());
        try (ShardThreads shards = ShardThreads.start(model, clamped)) {
            Generator generator = new Generator(shards.transformer(), tokenizer,
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
            System.out.println(String.format(Locale.ROOT,
                    "{\"tokens\": %d, \"threads\": %d, \"tokPerSec\": %.3f, \"firstTokenMs\": %.1f}",
                    tokens, shards.threads(), tokPerSec, (first - loadStart) / 1e6));
        }
    }
}

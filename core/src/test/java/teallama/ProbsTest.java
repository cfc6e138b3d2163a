package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * --probs: the story stays byte for byte run.c's, and every line holds what a plain reference
 * computes from a fresh transformer: softmax of logits / temperature sorted in full, and top-p's
 * nucleus found by summing the whole sorted list.
 */
class ProbsTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    static List<GoldenGenerateTest.Case> cases() {
        return GoldenGenerateTest.cases();
    }

    /**
     * At temperature 0 the probabilities come from the shards' sums of exponentials: the file is
     * the same, byte for byte, on any number of threads (2 and 3 threads once differed from 1 in
     * the last digits of most probabilities).
     */
    @Test
    void atTemperatureZeroTheFileIsTheSameOnAnyNumberOfThreads(@TempDir Path dir) throws IOException {
        assertSameFileOnOneToFourThreads(dir, "-t", "0", "-n", "200");
    }

    /**
     * Above temperature 0 the shards take softmax's numerators, at the prompt's positions too when
     * inspecting: the file on 2 to 4 threads is the one thread's (which the references check).
     */
    @Test
    void aboveTemperatureZeroTheFileIsTheSameOnAnyNumberOfThreads(@TempDir Path dir) throws IOException {
        assertSameFileOnOneToFourThreads(dir, "-t", "0.8", "-p", "0.9", "-s", "5", "-n", "120", "-i", "Once upon a time");
    }

    /** stories260K with these options and --probs on 1, 2, 3 and 4 threads: the same file each time. */
    private static void assertSameFileOnOneToFourThreads(Path dir, String... options) throws IOException {
        byte[] oneThread = null;
        for (String threads : new String[] {"1", "2", "3", "4"}) {
            Path probs = dir.resolve("probs-" + threads + ".jsonl");
            List<String> args = new ArrayList<>(List.of(Shared.model("stories260K.bin").toString(), "-z",
                    Shared.model("tok512.bin").toString()));
            args.addAll(List.of(options));
            args.addAll(List.of("-j", threads, "--probs", probs.toString()));
            Cli cli = Cli.run(args.toArray(new String[0]));
            assertEquals(0, cli.status(), cli.stderr());
            byte[] file = Files.readAllBytes(probs);
            if (oneThread == null) {
                oneThread = file;
            } else {
                assertArrayEquals(oneThread, file, "--probs on " + threads + " threads against 1");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void candidatesAreTheReferencesAndTheStoryIsRunCs(GoldenGenerateTest.Case c, @TempDir Path dir) throws IOException {
        Path probs = dir.resolve("probs.jsonl");
        String[] args = Arrays.copyOf(c.args(), c.args().length + 2);
        args[args.length - 2] = "--probs";
        args[args.length - 1] = probs.toString();
        Cli cli = Cli.run(args);
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(c.expected(), cli.stdout(), "inspecting changes no byte of the story");

        Model model = Shared.loadModel("stories260K.bin");
        Tokenizer tokenizer = Shared.loadTokenizer("tok512.bin", 512);
        float temperature = Settings.clampTemperature(Float.parseFloat(c.temperature()));
        float topp = Settings.clampTopp(Float.parseFloat(c.topp()));
        int[] prompt = tokenizer.encode(c.prompt(), true, false);
        List<String> lines = Files.readAllLines(probs, StandardCharsets.UTF_8);
        int steps = Generator.clampSteps(Integer.parseInt(c.steps()), 512);
        assertTrue(lines.size() == steps || JSON.readTree(lines.get(lines.size() - 1)).get("token").asInt() == 1,
                "a line per step, the last one BOS when it ended the story");

        Transformer transformer = model.newTransformer(512);
        int token = prompt[0];
        for (int step = 0; step < lines.size(); step++) {
            JsonNode line = JSON.readTree(lines.get(step));
            int next = line.get("token").asInt();
            assertEquals(step + 1, line.get("pos").asInt());
            assertEquals(step < prompt.length - 1, line.get("prompt").asBoolean());
            if (step < prompt.length - 1) {
                assertEquals(prompt[step + 1], next);
            }
            assertEquals(new String(tokenizer.piece(next), StandardCharsets.UTF_8), line.get("piece").asText());
            assertEquals(temperature == 0, line.get("greedy").asBoolean());

            float[] logits = transformer.forward(token, step).clone();
            float[] p = logits.clone();
            if (temperature != 0) {
                for (int i = 0; i < p.length; i++) {
                    p[i] /= temperature;
                }
            }
            Kernels.softmax(p, 0, p.length);
            Integer[] sorted = new Integer[p.length];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = i;
            }
            Arrays.sort(sorted, Comparator.comparing((Integer i) -> -p[i])); // stable: ties in id order
            List<Integer> nucleus = temperature != 0 && topp > 0 && topp < 1 ? nucleus(p, sorted, topp) : null;

            List<Integer> expected = new ArrayList<>(Arrays.asList(sorted).subList(0, 10));
            if (!expected.contains(next)) {
                expected.set(9, next);
            }
            JsonNode candidates = line.get("candidates");
            assertEquals(10, candidates.size());
            for (int r = 0; r < 10; r++) {
                JsonNode row = candidates.get(r);
                int id = row.get("token").asInt();
                String where = "step " + step + " row " + r;
                assertEquals(expected.get(r), id, where);
                // at temperature 0 the sum of exponentials is taken in another order (Transformer#softmaxSum)
                float exact = temperature == 0 ? 1e-5f * p[id] : 0.0f;
                assertEquals(p[id], Float.parseFloat(row.get("prob").decimalValue().toString()), exact, where);
                assertEquals(new String(tokenizer.piece(id), StandardCharsets.UTF_8), row.get("piece").asText());
                assertEquals(id == next, row.has("sampled"), where);
                assertEquals(nucleus != null && !nucleus.contains(id), row.has("cut"), where);
            }
            token = next;
        }
    }

    /** Top-p over the whole sorted list: the fewest tokens whose cumulative probability exceeds topp. */
    private static List<Integer> nucleus(float[] p, Integer[] sorted, float topp) {
        float cutoff = (1.0f - topp) / (p.length - 1);
        List<Integer> nucleus = new ArrayList<>();
        float cumulative = 0.0f;
        for (int id : sorted) {
            if (p[id] < cutoff && p[sorted[0]] >= cutoff) {
                break;
            }
            nucleus.add(id);
            cumulative += p[id];
            if (cumulative > topp) {
                break;
            }
        }
        return nucleus;
    }
}

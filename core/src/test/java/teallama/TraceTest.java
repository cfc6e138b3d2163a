package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Step by step against llama2.c's traces: prompt tokens, every [pos, input, next] step and the
 * first 8 logits at positions 0..19, which run.c printed with %.6f and which must print the same
 * here: the forward pass is bit-identical to run.c's.
 */
class TraceTest {

    static List<Map.Entry<String, JsonNode>> runs() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Shared.golden("generate/trace-t0.json").toFile());
        List<Map.Entry<String, JsonNode>> runs = new ArrayList<>();
        root.get("runs").fields().forEachRemaining(runs::add);
        assertEquals(4, runs.size());
        return runs;
    }

    @ParameterizedTest
    @MethodSource("runs")
    void matchesRunC(Map.Entry<String, JsonNode> entry) {
        JsonNode run = entry.getValue();
        Model model = Shared.loadModel("stories260K.bin");
        int[] promptTokens = ints(run.get("prompt_tokens"));

        Transformer transformer = model.newTransformer(256);
        Sampler sampler = new Sampler(model.config().vocabSize(), 0.0f, 0.9f, 1);
        JsonNode steps = run.get("steps");
        JsonNode logits = run.get("logits_first8");
        int token = promptTokens[0];
        for (int pos = 0; pos < steps.size(); pos++) {
            JsonNode step = steps.get(pos);
            assertEquals(pos, step.get(0).asInt());
            assertEquals(step.get(1).asInt(), token, "input token at pos " + pos);
            float[] out = transformer.forward(token, pos);
            if (pos < logits.size()) {
                JsonNode expected = logits.get(pos).get("logits_str");
                for (int i = 0; i < 8; i++) {
                    assertEquals(expected.get(i).asText(), printf6f(out[i]), "logit " + i + " at pos " + pos);
                }
            }
            int next = pos < promptTokens.length - 1 ? promptTokens[pos + 1] : sampler.sample(out);
            assertEquals(step.get(2).asInt(), next, "next token at pos " + pos);
            token = next;
        }
    }

    @Test
    void promptTokensMatchEncode() throws IOException {
        Map<String, String> prompts = Map.of("empty", "", "once_upon_a_time", "Once upon a time",
                "lily_and_tom", "Lily and Tom", "the_dog", "The dog");
        Model model = Shared.loadModel("stories260K.bin");
        Tokenizer tokenizer = Shared.loadTokenizer("tok512.bin", model.config().vocabSize());
        for (Map.Entry<String, JsonNode> run : runs()) {
            assertTrue(prompts.containsKey(run.getKey()), run.getKey());
            assertArrayEquals(ints(run.getValue().get("prompt_tokens")),
                    tokenizer.encode(prompts.get(run.getKey()), true, false), run.getKey());
        }
    }

    /** C's printf("%.6f"): the exact binary value, rounded half to even. */
    static String printf6f(float value) {
        return new BigDecimal(value).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}

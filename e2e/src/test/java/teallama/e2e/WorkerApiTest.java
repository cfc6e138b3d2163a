package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teallama.Checkpoint;
import teallama.Generator;
import teallama.GoldenGenerateTest;
import teallama.Inspector;
import teallama.Model;
import teallama.QuantizedWeights;
import teallama.Sampler;
import teallama.Shared;
import teallama.Tokenizer;

/**
 * The WebAssembly build of WorkerApi, called as worker.js calls it (here from the page, with the
 * messages it posts caught), against the JVM: the token messages' token, pos, prompt and
 * inspect fields, stories past the context window (keep), and the checks of keep and steps, int8
 * with the SIMD kernels (static/simd.js); an fp32 story with them and with the scalar loops.
 */
class WorkerApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Loads a model (with a NaN written at byte nanAt, unless it is negative; with the SIMD kernels
     * unless scalar), then per call runs start(...args) and every step; returns {runs: the messages
     * of each, then the texts asked for; simdCalls: how many matmuls the SIMD kernels did}.
     */
    private static final String RUN = "async ({model, tokenizer, calls, nanAt, scalar}) => {"
            + "  const messages = [];"
            + "  self.postMessage = (m) => messages.push(m);" // what Messages.java posts with
            + "  let simdCalls = 0;"
            + "  simd.enabled = !scalar;"
            + "  const installImports = (imports) => {"
            + "    simd.install(imports);"
            + "    for (const name of ['matmulInterleaved', 'q8Matmul']) {"
            + "      const kernel = imports.simd[name];"
            + "      imports.simd[name] = (...args) => { simdCalls++; kernel(...args); };"
            + "    }"
            + "  };"
            + "  const api = (await TeaVM.wasmGC.load('teallama.wasm', {installImports})).exports;"
            + "  const bytes = async (url) => (await fetch(url)).arrayBuffer();"
            + "  const modelBytes = await bytes(model);"
            + "  if (nanAt >= 0) new DataView(modelBytes).setFloat32(nanAt, NaN, true);"
            + "  api.beginModel(model, 1, false, 0, modelBytes.byteLength, false, 0);"
            + "  api.acceptModel(new Int8Array(modelBytes));"
            + "  const loaded = api.finishModel();"
            + "  if (loaded) return JSON.stringify([[{type: 'error', message: loaded}]]);"
            + "  api.loadTokenizer(new Int8Array(await bytes(tokenizer)), tokenizer, modelBytes.byteLength, '');"
            + "  const runs = [];"
            + "  for (const args of calls) {"
            + "    messages.length = 0;"
            + "    const started = api.start(...args);"
            + "    while (started && api.step()) {}"
            + "    runs.push(messages.slice());"
            + "  }"
            + "  const texts = {};" // the texts of every candidate named, as the page asks for them
            + "  for (const m of runs.flat()) if (m.inspect) for (let r = 0; r < m.inspect.rows.length; r += 3) {"
            + "    texts[m.inspect.rows[r]] = api.readable(m.inspect.rows[r]);"
            + "  }"
            + "  for (const id of [-1, 512]) texts[id] = api.readable(id);" // tok512 has no such tokens
            + "  runs.push([texts]);"
            + "  return JSON.stringify({runs, simdCalls}, (key, value) => ArrayBuffer.isView(value) ? Array.from(value) : value);"
            + "}";

    @ParameterizedTest
    @ValueSource(strings = {"chromium", "firefox"})
    void tokenMessagesCarryWhatTheJvmComputes(String browserName) throws Exception {
        TestSite site = TestSite.get();
        try (BrowserContext context = Browsers.shared(browserName).newContext()) {
            // the test's script runs in a document under the workers' policy, which lets WebAssembly
            // compile (the page's does not, and Firefox ignores bypassing it): a script of the site, opened
            Page page = context.newPage();
            page.navigate(site.root.url() + "meeting.js");
            page.addScriptTag(new Page.AddScriptTagOptions().setUrl("teallama.wasm-runtime.js"));
            page.addScriptTag(new Page.AddScriptTagOptions().setUrl("simd.js"));

            // random-mini (int8) has seq_len 128; with seed 1 and this prompt BOS does not come in 1000 steps
            JsonNode int8 = load(page, "models/random-mini-q80.bin", List.of(
                    List.of("", "1", "0.9", "1000", "1", "128", true),
                    List.of("", "1", "0.9", "1000", "1", "6.5", true),
                    List.of("", "1", "0.9", "100001", "1", "64", true),
                    List.of("Once upon", "1", "0.9", "1000", "1", "64", true),
                    List.of("Once upon", "1", "0.9", "20", "1")), -1, false); // as worker.js called it before keep and inspect
            assertTrue(int8.get("simdCalls").asInt() > 0, "the int8 matmuls ran on the SIMD kernel");
            JsonNode runs = int8.get("runs");
            assertError(runs.get(0), "keep expects 0 (stop at seq_len, as run.c) or 1 to 127 tokens to keep "
                    + "(seq_len is 128), found 128");
            assertError(runs.get(1), "keep expects a whole number, found '6.5'");
            assertError(runs.get(2), "steps expects at most 100000 steps when writing past the context, found 100001");

            Model model = Shared.loadModel("random-mini-q80.bin");
            Tokenizer tokenizer = Shared.loadTokenizer("tok512.bin", 512);
            JsonNode texts = runs.get(runs.size() - 1).get(0);
            assertTrue(texts.get("-1").isNull() && texts.get("512").isNull(), "no text for an id out of range: " + texts);
            JsonNode keep = runs.get(3);
            JsonNode started = keep.get(0);
            assertEquals(64, started.get("keep").asInt());
            assertEquals(1000, started.get("steps").asInt());
            assertEquals(100000, started.get("maxSteps").asInt());
            assertEquals("steps", keep.get(keep.size() - 1).get("reason").asText());
            assertEquals(1000, keep.size() - 2, "a token message for each of 1000 steps");
            assertSameAsJvm(keep, new Generator(model.newTransformer(128), tokenizer, new Sampler(512, 1.0f, 0.9f, 1),
                    "Once upon".getBytes(StandardCharsets.UTF_8), 1000, 64, true), tokenizer, texts);

            JsonNode plain = runs.get(4);
            assertEquals(0, plain.get(0).get("keep").asInt());
            assertTrue(plain.get(1).get("inspect").isNull());
            assertSameAsJvm(plain, new Generator(model.newTransformer(20), tokenizer, new Sampler(512, 1.0f, 0.9f, 1),
                    "Once upon", 20), tokenizer, texts);

            // int8 on the scalar loops over linear memory, as a browser without SIMD runs it: random-mini's
            // groups of 64 take the loop over eight columns a turn, stories260K's groups of 4 the one after
            // it, groups of 12 take both loops in each group; groups of 12 on the SIMD kernels too; groups
            // of 512, the widest read, on both (the JVM tells runq.c's story with them: QuantizedTest)
            Model stories260KInt8 = Checkpoint.read(Files.readAllBytes(site.work.resolve("models/stories260K-q80.bin")));
            assertEquals(4, ((QuantizedWeights) stories260KInt8.weights()).groupSize());
            Model twelves = Checkpoint.read(Files.readAllBytes(site.work.resolve("models/random-twelves-q80.bin")));
            assertEquals(12, ((QuantizedWeights) twelves.weights()).groupSize());
            Model wide = Checkpoint.read(Files.readAllBytes(site.work.resolve("models/random-wide-q80.bin")));
            assertEquals(512, ((QuantizedWeights) wide.weights()).groupSize());
            record Int8Run(String file, Model model, int steps, boolean scalar) {
            }
            for (Int8Run run : List.of(new Int8Run("random-mini-q80.bin", model, 100, true),
                    new Int8Run("stories260K-q80.bin", stories260KInt8, 100, true),
                    new Int8Run("random-twelves-q80.bin", twelves, 60, true),
                    new Int8Run("random-twelves-q80.bin", twelves, 60, false),
                    new Int8Run("random-wide-q80.bin", wide, 30, true),
                    new Int8Run("random-wide-q80.bin", wide, 30, false))) {
                JsonNode int8Run = load(page, "models/" + run.file(),
                        List.of(List.of("Once upon", "1", "0.9", String.valueOf(run.steps()), "1", "0", true)), -1,
                        run.scalar());
                assertEquals(!run.scalar(), int8Run.get("simdCalls").asInt() > 0, run.file() + ": "
                        + int8Run.get("simdCalls") + " SIMD matmuls");
                JsonNode int8Runs = int8Run.get("runs");
                assertSameAsJvm(int8Runs.get(0), new Generator(run.model().newTransformer(run.steps()), tokenizer,
                        new Sampler(512, 1.0f, 0.9f, 1), "Once upon".getBytes(StandardCharsets.UTF_8), run.steps(), 0, true),
                        tokenizer, int8Runs.get(1).get(0));
            }

            // a golden story with top-p cutting: case10 is -t 0.9 -p 0.8 -s 777 -n 512 -i "Tim and Sue";
            // with the SIMD kernels (as the page runs where the browser has them), then without
            GoldenGenerateTest.Case c = GoldenGenerateTest.cases().get(9);
            Model stories260K = Shared.loadModel("stories260K.bin");
            for (boolean scalar : new boolean[] {false, true}) {
                String kernels = scalar ? "scalar loops: " : "SIMD kernels: ";
                JsonNode loaded = load(page, "models/stories260K.bin",
                        List.of(List.of(c.prompt(), c.temperature(), c.topp(), c.steps(), c.seed(), "0", true)), -1, scalar);
                assertEquals(!scalar, loaded.get("simdCalls").asInt() > 0, kernels + loaded.get("simdCalls") + " SIMD matmuls");
                JsonNode storyRuns = loaded.get("runs");
                JsonNode story = storyRuns.get(0);
                StringBuilder text = new StringBuilder();
                for (int i = 1; i < story.size() - 1; i++) {
                    text.append(story.get(i).get("text").asText());
                }
                assertEquals(new String(c.expected(), StandardCharsets.UTF_8), text + "\n", kernels + "the story is run.c's");
                assertSameAsJvm(story, new Generator(stories260K.newTransformer(512), tokenizer,
                        new Sampler(512, 0.9f, 0.8f, 777), c.prompt().getBytes(StandardCharsets.UTF_8), 512, 0, true),
                        tokenizer, storyRuns.get(1).get(0));
                boolean cut = false;
                for (int i = 1; i < story.size() - 1; i++) {
                    JsonNode rows = story.get(i).get("inspect").get("rows");
                    for (int r = 2; r < rows.size(); r += 3) {
                        cut |= (rows.get(r).asInt() & 2) != 0;
                    }
                }
                assertTrue(cut, kernels + "top-p cut some rows");
            }

            // int8 of stories15M's shape (random weights): the classifier's 4000 blocks of rows have
            // their sums taken 64 blocks at a time
            Model random15M = Checkpoint.read(Files.readAllBytes(site.work.resolve("models/random15M-q80.bin")));
            Tokenizer tokenizer32000 = Shared.loadTokenizer("tokenizer.bin", 32000);
            JsonNode big = load(page, "models/random15M-q80.bin", "models/tokenizer.bin",
                    List.of(List.of("Once upon", "1", "0.9", "40", "1", "0", true)), -1, false);
            assertTrue(big.get("simdCalls").asInt() > 0, "the int8 matmuls ran on the SIMD kernel");
            assertSameAsJvm(big.get("runs").get(0), new Generator(random15M.newTransformer(40), tokenizer32000,
                    new Sampler(32000, 1.0f, 0.9f, 1), "Once upon".getBytes(StandardCharsets.UTF_8), 40, 0, true),
                    tokenizer32000, big.get("runs").get(1).get(0));

            // a NaN in BOS's embedding row (version 0: 28 header bytes, then (vocab, dim = 64) floats)
            JsonNode nan = load(page, "models/stories260K.bin", List.of(List.of("", "1", "0.9", "10", "1")), 28 + 64 * 4,
                    false).get("runs").get(0);
            assertEquals(List.of("started", "error"), List.of(nan.get(0).get("type").asText(), nan.get(1).get("type").asText()));
            assertEquals("models/stories260K.bin: the model's logits at position 0 are not finite (token 0's is NaN): its "
                    + "weights hold NaN or infinity, or its sums overflow", nan.get(1).get("message").asText());
        }
    }

    private static JsonNode run(Page page, String model, List<List<Object>> calls) throws Exception {
        return load(page, model, calls, -1, false).get("runs");
    }

    private static JsonNode load(Page page, String model, List<List<Object>> calls, int nanAt, boolean scalar)
            throws Exception {
        return load(page, model, "models/tok512.bin", calls, nanAt, scalar);
    }

    private static JsonNode load(Page page, String model, String tokenizer, List<List<Object>> calls, int nanAt,
                                 boolean scalar) throws Exception {
        String result = (String) page.evaluate(RUN, java.util.Map.of("model", model, "tokenizer", tokenizer,
                "calls", calls, "nanAt", nanAt, "scalar", scalar));
        return JSON.readTree(result);
    }

    private static void assertError(JsonNode messages, String message) {
        assertEquals(1, messages.size(), messages.toString());
        assertEquals("error", messages.get(0).get("type").asText());
        assertEquals(message, messages.get(0).get("message").asText());
    }

    /**
     * Each token message against the JVM's generator, step by step; texts holds what the page
     * gets when it asks for the text of a candidate (WorkerApi.readable), by id.
     */
    private static void assertSameAsJvm(JsonNode messages, Generator generator, Tokenizer tokenizer, JsonNode texts) {
        assertEquals("started", messages.get(0).get("type").asText());
        for (int i = 1; i < messages.size() - 1; i++) {
            JsonNode m = messages.get(i);
            assertEquals("token", m.get("type").asText());
            assertTrue(generator.next() != null);
            String where = "token message " + i;
            assertEquals(generator.token(), m.get("token").asInt(), where);
            assertEquals(generator.position(), m.get("pos").asInt(), where);
            assertEquals(generator.forced(), m.get("prompt").asBoolean(), where);
            Inspector.Candidates c = generator.candidates();
            if (c == null) {
                assertTrue(m.get("inspect").isNull(), where);
                continue;
            }
            assertEquals(c.greedy(), m.get("inspect").get("greedy").asBoolean(), where);
            JsonNode rows = m.get("inspect").get("rows"); // (rows, 3): token, probability, flags
            assertEquals(3 * c.rows(), rows.size(), where);
            Set<String> fields = new HashSet<>();
            m.get("inspect").fieldNames().forEachRemaining(fields::add);
            assertEquals(Set.of("greedy", "rows"), fields, where + ": no texts in token messages");
            for (int r = 0; r < c.rows(); r++) {
                int token = c.tokens()[r];
                assertEquals(token, rows.get(3 * r).asInt(), where);
                assertEquals(tokenizer.readable(token), texts.get(String.valueOf(token)).asText(), where);
                assertEquals(c.probabilities()[r], (float) rows.get(3 * r + 1).asDouble(), where);
                int flags = rows.get(3 * r + 2).asInt();
                assertEquals(r == c.chosenRow(), (flags & 1) != 0, where + ": sampled");
                assertEquals(c.cut()[r], (flags & 2) != 0, where + ": cut");
            }
        }
        assertEquals(null, generator.next(), "the story ends where the page's did");
        assertEquals("done", messages.get(messages.size() - 1).get("type").asText());
    }
}

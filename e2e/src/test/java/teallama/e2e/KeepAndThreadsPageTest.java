package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Route;
import org.junit.jupiter.api.Test;

import teallama.Cli;
import teallama.Config;
import teallama.ModelWriter;
import teallama.Shared;

/**
 * The page's "Keep writing past the context" (keep=N) and "Threads" (threads=N) settings: a
 * story past seq_len as the command line tells it, links and kept settings, how many threads
 * run and why only one, and the benchmark page's threads, inspector and scalar kernels switches.
 */
abstract class KeepAndThreadsPageTest extends PagesTest {
    /** The command line's arguments for random-mini (seq_len 128) with tok512, -t 1 -p 0.9 -s 4, these steps, then more. */
    static String[] randomMini(String steps, String... more) {
        List<String> args = new ArrayList<>(List.of(Shared.model("random-mini.bin").toString(), "-z",
                Shared.model("tok512.bin").toString(), "-t", "1", "-p", "0.9", "-s", "4", "-n", steps));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static String text(Cli cli) {
        assertEquals(0, cli.status(), cli.stderr());
        return new String(cli.stdout(), StandardCharsets.UTF_8);
    }

    // ----------------------------------------------------------------------------
    // keep

    /**
     * keep=64&steps=1000 on a model of seq_len 128: 1000 steps, the tokens of the command line's
     * -k 64, and the first 128 tokens' text is run.c's story. (Past those, random weights spell
     * characters with byte tokens, which the page shows and run.c drops, so the texts differ.)
     */
    @EngineNeutral
    @Test
    void keepWritesPastTheContextAsTheCommandLineDoes() throws IOException {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of("model", "models/random-mini.bin", "tokenizer", "models/tok512.bin",
                "temperature", "1", "topp", "0.9", "seed", "4", "keep", "64", "steps", "1000"));
        assertEquals("64", story.page.inputValue("#keep"));
        assertTrue(story.page.textContent("#keep-hint").startsWith("Keep: 0 stops when the model's context is full"),
                story.page.textContent("#keep-hint"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("All steps used.", story.status().replaceAll(" First token.*", ""));
        assertEquals(1000, story.tokens());
        assertEquals(1000, story.page.locator("#output [data-token]").count(), "one span per step");

        @SuppressWarnings("unchecked")
        List<String> pieces = (List<String>) story.page.evaluate(
                "Array.from(document.querySelectorAll('#output [data-token]'), (s) => s.textContent)");
        assertEquals(text(Cli.run(randomMini("128"))), String.join("", pieces.subList(0, 128)) + "\n",
                "the first 128 tokens: run.c's story");
        List<String> tokens = InspectorPageTest.commandLineProbs(site.work, randomMini("1000", "-k", "64")).stream()
                .map((line) -> line.get("token").asText()).toList();
        assertEquals(1000, tokens.size());
        assertEquals(tokens, InspectorPageTest.tokenIds(story), "the command line's tokens with -k 64");

        story.page.hover("#output [data-token] >> nth=-1");
        story.waitUntil("() => document.getElementById('inspector').textContent.includes('position 1000')", null);
        assertEquals("Keep: 0 stops when this model's 128-token context is full, as run.c does; 1 to 127 keeps that many "
                + "tokens then, and writes on, for Steps up to 100000.", story.page.textContent("#keep-hint"));
    }

    /**
     * A long story with keep (random-mini at temperature 0 writes 30000 tokens without a newline)
     * leaves the page as quick to lay out as a short one, on a desktop and on a phone: one more
     * token, and pointing at a token, are laid out in milliseconds. Laid out as one block of
     * spans, each cost a layout of the whole story: 100 to 400 ms at 30000 tokens, and seconds a
     * frame near 100000, when typing and Stop waited for them. The arrow keys still walk the
     * whole story. A phone's layout is that of its width (style.css's max-width: 640px), so the
     * one story is measured at a desktop's size, then at a phone's.
     */
    @Test
    void aLongStoryStaysQuickToLayOut() {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of("model", "models/random-mini.bin", "tokenizer", "models/tok512.bin",
                "temperature", "0", "keep", "16", "steps", "30000", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(30000, story.page.locator("#output [data-token]").count());
        for (int[] size : new int[][] {{1100, 1000}, {390, 844}}) {
            story.page.setViewportSize(size[0], size[1]);
            assertEquals(size[0] <= 640, story.page.evaluate("matchMedia('(max-width: 640px)').matches"), "a phone's layout");
            // 5 tries, each a token appended where the story's last one is and a token pointed at; the
            // median, since a collection of garbage may hold up one
            @SuppressWarnings("unchecked")
            List<Number> tries = (List<Number>) story.page.evaluate("""
                    () => {
                      const output = document.getElementById('output');
                      const tokens = output.querySelectorAll('[data-token]');
                      const tries = [];
                      for (let i = 1; i <= 5; i++) {
                        const start = performance.now();
                        const span = document.createElement('span');
                        span.textContent = ' one more';
                        tokens[tokens.length - 1].parentElement.append(span);
                        output.scrollTop = output.scrollHeight;
                        tokens[tokens.length - i].dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
                        document.body.getBoundingClientRect();
                        tries.push(performance.now() - start);
                      }
                      return tries;
                    }""");
            double median = tries.stream().mapToDouble(Number::doubleValue).sorted().toArray()[2];
            assertTrue(median < 40, "layouts took " + tries + " ms");

            // the arrow keys go on from one passage of the story to the next, and End reaches its last token
            String token = "#output [data-token] >> nth=";
            story.page.click(token + "1499");
            story.page.keyboard().press("ArrowLeft");
            assertEquals("1498", story.page.evaluate("Array.from(document.querySelectorAll('#output [data-token]'))"
                    + ".indexOf(document.activeElement).toString()"));
            story.page.click(token + "999");
            story.page.keyboard().press("ArrowRight");
            assertEquals("1000", story.page.evaluate("Array.from(document.querySelectorAll('#output [data-token]'))"
                    + ".indexOf(document.activeElement).toString()"));
            story.page.keyboard().press("ArrowLeft");
            story.page.keyboard().press("ArrowLeft");
            assertEquals("998", story.page.evaluate("Array.from(document.querySelectorAll('#output [data-token]'))"
                    + ".indexOf(document.activeElement).toString()"));
            story.page.keyboard().press("End");
            assertEquals("29999", story.page.evaluate("Array.from(document.querySelectorAll('#output [data-token]'))"
                    + ".indexOf(document.activeElement).toString()"));

            // while a story is written, the cursor follows its last token, not the last passage's whole width
            assertEquals(List.of("none", "\"\""), story.page.evaluate("() => { const o = document.getElementById('output');"
                    + " o.dataset.state = 'generating'; const cursor = [getComputedStyle(o, '::after').content,"
                    + " getComputedStyle(o.lastElementChild, '::after').content]; o.dataset.state = 'done'; return cursor; }"));
        }
    }

    /**
     * Stop is heard while the context shifts: a model of 2048 positions keeping 2047 runs 2046
     * kept tokens again before its next one, seconds of work that ran in one step, between two
     * looks at the worker's messages, so that Stop waited for all of it.
     */
    @Test
    void stopIsHeardWhileTheKeptTokensRunAgain() throws IOException {
        Path model = site.work.resolve("models/random-2048.bin");
        if (!Files.exists(model)) {
            Config shape = new Config(288, 768, 6, 6, 6, 512, 2048);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(model))) {
                ModelWriter.write(shape, ModelWriter.randomWeights(shape, true, 7), 0, out);
            }
        }
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of("model", "models/random-2048.bin", "tokenizer", "models/tok512.bin",
                "temperature", "0", "keep", "2047", "steps", "2100", "threads", "1", "autostart", "1"));
        story.waitForTokens(2048);
        long pressed = System.nanoTime();
        story.page.click("#stop");
        story.waitForState("stopped", "done", "error");
        long waitedMs = (System.nanoTime() - pressed) / 1_000_000;
        assertEquals("stopped", story.state(), story.status());
        assertTrue(story.tokens() < 2100, "stopped after " + story.tokens() + " tokens");
        assertTrue(waitedMs < 1000, "Stop waited " + waitedMs + " ms");
    }

    /** Without keep, Steps past seq_len stay run.c's clamp: the story stops at 128. */
    @EngineNeutral
    @Test
    void withoutKeepTheStoryStopsAtTheContext() {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of("model", "models/random-mini.bin", "tokenizer", "models/tok512.bin",
                "temperature", "1", "topp", "0.9", "seed", "4", "steps", "1000", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(128, story.tokens());
        assertEquals(text(Cli.run(randomMini("1000"))), story.output() + "\n");
        // it said "All steps used." of 1000 steps asked
        assertEquals("The model's 128-token context is full: set Keep to write on.",
                story.status().replaceAll(" First token.*", ""));
    }

    /**
     * A keep beyond int is refused as typed, as the command line's -k refuses it, rather than
     * wrapped as run.c's atoi wraps its own options (4294967297 into 1, a story that keeps 1).
     */
    @EngineNeutral
    @Test
    void aKeepBeyondAWholeNumberIsRefusedAsTheCommandLineRefusesIt() {
        StoryPage story = desktop();
        for (String keep : new String[] {"4294967297", "99999999999999999999"}) {
            Cli cli = Cli.run(Cli.stories260K("-t", "0", "-n", "600", "-k", keep));
            assertEquals(1, cli.status());
            String refused = "keep expects a whole number from -2147483648 to 2147483647, found '" + keep + "'";
            assertEquals("teallama: option -k" + refused.substring("keep".length()) + "\n", cli.stderr());
            story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "600", "keep", keep,
                    "autostart", "1"));
            story.waitForState("done", "error");
            assertEquals("error", story.state(), story.status());
            assertEquals(refused, story.status());
            assertEquals(0, story.tokens());
        }
    }

    /**
     * A prompt longer than the context: the prompt's length says a Keep that Start would refuse
     * carries nothing on, and warns, as it does with no Keep.
     */
    @EngineNeutral
    @Test
    void aKeepThatStartWouldRefuseCarriesNoPromptPastTheContext() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "3000",
                "prompt", "Once upon a time. ".repeat(200), "autostart", "1"));
        story.waitForState("done", "error");
        String noRoom = "^\\d+ / 512 tokens: no room left in the model's context; shorten the prompt, or set Keep \\(1 to "
                + "511\\) to write past the context$";
        for (String keep : new String[] {"512", "4294967297", "-3"}) {
            story.page.fill("#keep", keep);
            story.waitUntil("r => new RegExp(r).test(document.getElementById('prompt-length').textContent)", noRoom);
            assertTrue(story.page.getAttribute("#prompt-length", "class").contains("warning"), keep);
            story.page.click("#start");
            story.waitForState("done", "error");
            assertEquals("error", story.state(), keep + ": " + story.status());
        }
        story.page.fill("#keep", "511");
        story.waitUntil("() => / \\/ 512 tokens: longer than the context, which Keep 511 carries on past$/"
                + ".test(document.getElementById('prompt-length').textContent)", null);
        assertFalse(story.page.getAttribute("#prompt-length", "class").contains("warning"));
    }

    @EngineNeutral
    @Test
    void keepAndThreadsAreInCopiedLinksAndKeptAcrossVisits() {
        StoryPage story = desktop();
        NewUserPageTest.recordClipboard(story);
        story.open(site.root.url(), Map.of());
        assertEquals("0", story.page.inputValue("#keep"));
        assertEquals("auto", story.page.inputValue("#threads"));
        story.page.click("#link");
        story.waitUntil("() => window.copied.length === 1", null);
        String plain = (String) story.page.evaluate("window.copied[0]");
        assertFalse(plain.contains("keep=") || plain.contains("threads="), "defaults stay out of links: " + plain);

        story.page.fill("#keep", "64");
        story.page.fill("#steps", "1000");
        story.page.selectOption("#threads", "3");
        story.page.click("#link");
        story.waitUntil("() => window.copied.length === 2", null);
        String link = (String) story.page.evaluate("window.copied[1]");
        assertTrue(link.contains("keep=64") && link.contains("steps=1000") && link.contains("threads=3"), link);

        story.page.reload();
        assertEquals("64", story.page.inputValue("#keep"), "kept across visits");
        assertEquals("3", story.page.inputValue("#threads"));

        story.page.navigate(link.replace("&autostart=1", ""));
        assertEquals("64", story.page.inputValue("#keep"));
        assertEquals("3", story.page.inputValue("#threads"));
        story.open(site.root.url(), Map.of("prompt", "A cat"));
        assertEquals("0", story.page.inputValue("#keep"), "a link's story, not the kept settings");
        assertEquals("auto", story.page.inputValue("#threads"));
    }

    // ----------------------------------------------------------------------------
    // threads

    static final String AUTO_ONE_THREAD = "one thread: auto runs a thread per 16 MB of model, as a smaller model's "
            + "token is over before more threads would pay";

    /**
     * threads=1 runs one thread; auto runs the cores, at most 8, and at most one per 16 MiB of
     * model: stories260K (1 MB) on one thread, and the 15M shape (58 MB) on up to three.
     */
    @Test
    void threadsOneRunsOneThreadAndAutoRunsWhatTheModelIsWorth() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "20", "threads", "1",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("1", story.page.inputValue("#threads"));
        assertEquals("Threads: running on one thread.", story.page.textContent("#threads-hint"));
        assertTrue(story.page.textContent("#shape").endsWith(" · one thread"), story.page.textContent("#shape"));

        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "20"));
        assertEquals(Boolean.TRUE, story.page.evaluate("crossOriginIsolated"));
        int cores = ((Number) story.page.evaluate("navigator.hardwareConcurrency")).intValue();
        int auto = Math.min(cores, 8);
        assertTrue(auto >= 2, "a machine with " + cores + " cores");
        assertEquals("Threads: auto: up to " + auto + " threads here (this device's " + cores + " cores, at most 8, "
                + "one per 16 MB of model).", story.page.textContent("#threads-hint"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + AUTO_ONE_THREAD + ".", story.page.textContent("#threads-hint"));
        assertTrue(story.page.textContent("#shape").endsWith(" · one thread"), story.page.textContent("#shape"));
        // what another choice will run on the model loaded: stories260K's dim, 64, is 8 blocks of 8 rows
        story.page.selectOption("#threads", "16");
        String eight = "8 threads: this model splits into at most 8 parts";
        assertEquals("Threads: " + eight + ".", story.page.textContent("#threads-hint"), "what the next Start runs");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + eight + ".", story.page.textContent("#threads-hint"));
        // under auto, a model that splits into fewer parts than it is worth threads says so, not "per 16 MB"
        assertEquals("one thread: this model splits into one part",
                story.page.evaluate("threadNote({threads: 2, auto: true, note: ''}, 1, 1)"));
        assertEquals(AUTO_ONE_THREAD, story.page.evaluate("threadNote({threads: 2, auto: true, note: ''}, 1, 8)"));

        story.open(site.root.url(), Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "0", "steps", "5", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        int worth = Math.min(auto, 3); // 58 MB
        assertEquals("Threads: running on " + worth + " threads"
                + (worth < auto ? ": auto runs a thread per 16 MB of model, as a smaller model's token is over before "
                + "more threads would pay." : "."), story.page.textContent("#threads-hint"));
        assertTrue(story.page.textContent("#shape").endsWith(" · " + worth + " threads"), story.page.textContent("#shape"));

        story.page.selectOption("#threads", "1");
        assertEquals("Threads: one thread.", story.page.textContent("#threads-hint"), "what the next Start runs");
        story.page.selectOption("#threads", "16");
        assertEquals("Threads: 16 threads.", story.page.textContent("#threads-hint"), "dim 288 splits into 36");
    }

    /**
     * A Start after another threads choice runs what the hint said it would: auto after 2 threads
     * of stories260K runs one (the worker kept the model split in two, as auto asks for this
     * device's two cores too, and ran it on two); and on the 15M shape, the count auto ran keeps
     * the model in memory, split as it is, and the hint says that it runs.
     */
    @Test
    void aStartAfterAnotherThreadsChoiceRunsWhatTheHintSaid() {
        StoryPage story = desktop();
        ThreadsTest.keepStoryWorkersMade(story);
        story.page.addInitScript("""
                window.storyMessages = [];
                window.onStoryWorkerMade = (worker) =>
                  worker.addEventListener('message', (event) => window.storyMessages.push(event.data.type));""");
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "20", "threads", "2",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.page.textContent("#shape").endsWith(" · 2 threads"), story.page.textContent("#shape"));
        story.page.selectOption("#threads", "auto");
        assertEquals("Threads: " + AUTO_ONE_THREAD + ".", story.page.textContent("#threads-hint"),
                "before the Start, in the words the worker says after it");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + AUTO_ONE_THREAD + ".", story.page.textContent("#threads-hint"));
        assertTrue(story.page.textContent("#shape").endsWith(" · one thread"), story.page.textContent("#shape"));

        story.open(site.root.url(), Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "0", "steps", "5", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        int cores = ((Number) story.page.evaluate("navigator.hardwareConcurrency")).intValue();
        int worth = Math.min(Math.min(cores, 8), 3); // 58 MB
        story.page.selectOption("#threads", String.valueOf(worth));
        assertEquals("Threads: " + worth + " threads.", story.page.textContent("#threads-hint"));
        story.page.evaluate("() => { window.storyMessages = []; }");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + worth + " threads.", story.page.textContent("#threads-hint"));
        assertTrue(story.page.textContent("#shape").endsWith(" · " + worth + " threads"),
                story.page.textContent("#shape"));
        String heard = String.valueOf(story.page.evaluate("() => window.storyMessages.join(' ')"));
        assertTrue(heard.contains("threads") && !heard.contains("ready"), "the model was kept: " + heard);
    }

    /**
     * Served without the cross-origin isolation headers, and with no service worker to add them,
     * the page says it runs one thread, and why.
     */
    @Test
    void withoutCrossOriginIsolationOneThreadRunsAndThePageSaysWhy() {
        StoryPage story = desktopWithoutServiceWorker();
        story.page.route("**/*", (route) -> {
            var response = route.fetch();
            Map<String, String> headers = new HashMap<>(response.headers());
            headers.remove("cross-origin-opener-policy");
            headers.remove("cross-origin-embedder-policy");
            route.fulfill(new Route.FulfillOptions().setResponse(response).setHeaders(headers));
        });
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "20", "threads", "2"));
        assertEquals(Boolean.FALSE, story.page.evaluate("crossOriginIsolated"));
        String why = "one thread: this page is not cross-origin isolated, so its workers cannot share memory";
        assertEquals("Threads: 2 threads; it will run on " + why + ".", story.page.textContent("#threads-hint"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + why + ".", story.page.textContent("#threads-hint"));
        // another choice runs one thread too, on the model in memory, and the hint says so once it does
        story.page.selectOption("#threads", "3");
        assertEquals("Threads: 3 threads; it will run on " + why + ".", story.page.textContent("#threads-hint"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Threads: running on " + why + ".", story.page.textContent("#threads-hint"));
    }

    @EngineNeutral
    @Test
    void aLinkWithThreadsThatAreNoChoiceSaysSoAndDoesNotStart() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("threads", "many", "autostart", "1"));
        assertEquals("error", story.state());
        assertEquals("threads expects auto or a whole number from 1 to 16, found 'many'; Threads is left at auto",
                story.status());
        assertEquals("auto", story.page.inputValue("#threads"));
        story.page.waitForTimeout(300);
        assertEquals("error", story.state(), "no story started");
        assertFalse(story.page.isDisabled("#start"), "Start tells the story with auto");
    }

    /**
     * A link's threads: leading zeros, spaces and AUTO in any case are choices, and an empty one
     * is auto; a number written otherwise than in digits (2.0) is none.
     */
    @EngineNeutral
    @Test
    void aLinksThreadsTakeLeadingZerosSpacesAndAutoInAnyCase() {
        StoryPage story = desktop();
        Map<String, String> chosen = new LinkedHashMap<>();
        chosen.put("02", "2");
        chosen.put(" 3 ", "3");
        chosen.put("AUTO", "auto");
        chosen.put("", "auto");
        chosen.put("16", "16");
        chosen.forEach((threads, choice) -> {
            story.open(site.root.url(), StoryPage.stories260K("threads", threads));
            story.waitUntil("() => document.getElementById('start').disabled === false", null);
            assertEquals(choice, story.page.inputValue("#threads"), "threads=" + threads);
            assertFalse("error".equals(story.state()), story.status());
            story.open(site.root.url(), StoryPage.stories260K("threads", threads + ".0", "autostart", "1"));
            assertEquals("error", story.state());
            assertTrue(story.status().startsWith("threads expects auto or a whole number from 1 to 16"), story.status());
        });
    }

    // ----------------------------------------------------------------------------
    // the benchmark page

    @Test
    void theBenchmarkPageTakesThreadsTheInspectorAndKernelsAndRecordsThem() throws Exception {
        StoryPage story = desktop();
        ObjectMapper json = new ObjectMapper();
        story.page.navigate(site.root.url() + "bench.html?model=models/stories260K.bin&tokenizer=models/tok512.bin"
                + "&runs=1&steps=30&threads=01&inspect=1&kernels=scalar&autostart=1");
        assertEquals("1", story.page.inputValue("#threads"), "01 read as a link's threads are");
        assertTrue(story.page.isChecked("#inspect"));
        assertTrue(story.page.isChecked("#scalar"));
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("done", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        JsonNode one = json.readTree(story.page.textContent("#bench-json"));
        assertEquals(1, one.get("threads").asInt());
        assertTrue(one.get("inspect").asBoolean());
        assertFalse(one.get("simd").asBoolean());
        assertTrue(story.page.textContent("#shape").endsWith(" · one thread · inspector on"), story.page.textContent("#shape"));

        story.page.navigate(site.root.url() + "bench.html?model=models/stories260K.bin&tokenizer=models/tok512.bin"
                + "&runs=1&steps=30&autostart=1");
        assertEquals("auto", story.page.inputValue("#threads"));
        assertFalse(story.page.isChecked("#inspect"), "off by default: the benchmark measures the plain story");
        assertFalse(story.page.isChecked("#scalar"));
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("done", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        JsonNode auto = json.readTree(story.page.textContent("#bench-json"));
        assertEquals(1, auto.get("threads").asInt(), "auto: stories260K is worth one thread");
        assertFalse(auto.get("inspect").asBoolean());
        assertTrue(auto.get("simd").asBoolean(), "this browser multiplies matrices with WebAssembly SIMD");
        assertTrue(story.page.textContent("#shape").endsWith(" · one thread · SIMD"), story.page.textContent("#shape"));
        assertEquals("Threads: running on " + AUTO_ONE_THREAD + ".", story.page.textContent("#threads-hint"));

        story.page.navigate(site.root.url() + "bench.html?model=models/stories260K.bin&tokenizer=models/tok512.bin"
                + "&runs=1&steps=30&threads=1.0&autostart=1");
        assertEquals("error", story.page.getAttribute("#bench", "data-state"));
        assertEquals("threads expects auto or a whole number from 1 to 16, found '1.0'; Threads is left at auto",
                story.page.textContent("#status"));
    }

    /** The benchmark's baseline of memory: idle=1 starts the workers for the threads asked, and loads no model. */
    @Test
    void theBenchmarkPageStartsItsWorkersWithNoModel() throws Exception {
        StoryPage story = desktop();
        story.page.navigate(site.root.url() + "bench.html?idle=1&threads=3&autostart=1");
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("done", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        assertEquals("Workers started for 3 threads, with no model.", story.page.textContent("#status"));
        JsonNode idle = new ObjectMapper().readTree(story.page.textContent("#bench-json"));
        assertTrue(idle.get("idle").asBoolean());
        assertEquals(3, idle.get("threads").asInt());
        assertEquals("", story.page.textContent("#shape"), "no model was loaded");
    }
}

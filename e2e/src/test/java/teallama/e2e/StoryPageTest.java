package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.Worker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teallama.Shared;
import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;

/** The real page, worker and WebAssembly in one browser; subclasses name the browser. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoryPageTest {
    private Browser browser;
    private BrowserContext context;
    private final List<String> pageErrors = new ArrayList<>();
    private final List<String> dialogs = new ArrayList<>();
    TestSite site;
    StoryPage story;

    abstract String browserName();

    @BeforeAll
    void launch() {
        site = TestSite.get();
        browser = Browsers.shared(browserName());
    }

    @AfterAll
    void close() {
        Browsers.closeFirefox();
    }

    @BeforeEach
    void newPage() {
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1100, 1000));
        Page page = context.newPage();
        page.onPageError(error -> pageErrors.add(error));
        page.onDialog(dialog -> {
            dialogs.add(dialog.message());
            dialog.dismiss();
        });
        story = new StoryPage(page);
    }

    @AfterEach
    void closePage() {
        context.close();
        assertEquals(List.of(), pageErrors, "uncaught errors in the page");
        pageErrors.clear();
    }

    List<Case> goldenCases() {
        return GoldenGenerateTest.cases();
    }

    // ----------------------------------------------------------------------------
    // stories

    /** An int8 (version 2) file prints what llama2.c's runq.c printed for it. */
    @Test
    void tellsRunqsStoryFromAnInt8File() {
        story.open(site.root.url(), Map.of("model", "models/random-mini-q80.bin", "tokenizer", "models/tok512.bin",
                "prompt", "Once upon a time", "temperature", "0", "steps", "40", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(Shared.read(Shared.golden("q8/runq-t0.stdout")), StandardCharsets.UTF_8),
                story.output() + "\n");
        assertTrue(story.page.textContent("#shape").contains("int8"), story.page.textContent("#shape"));
    }

    /** int8 stories15M weights take under 30% of the fp32 file, and the page runs them. */
    @Test
    void loadsAnInt8ModelOfStories15MsShape() throws IOException {
        Path fp32 = site.work.resolve("models/random15M.bin");
        Path int8 = site.work.resolve("models/random15M-q80.bin");
        assertTrue(Files.size(int8) < 0.3 * Files.size(fp32), Files.size(int8) + " of " + Files.size(fp32));
        story.open(site.root.url(), Map.of("model", "models/random15M-q80.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "0", "steps", "20", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(20, story.tokens());
    }

    /**
     * In Firefox a model from the page's own server comes in pieces of 16 MiB, the next asked for
     * as each begins to be read (Firefox holds what the worker has not read yet), and the story is
     * the one the same file gives when the server sends it whole. Chromium holds a download back
     * until the worker reads it, and asks for the file whole.
     */
    @Test
    void aBigModelFromThePagesOwnServerComesInPiecesInFirefox() throws IOException {
        long size = Files.size(site.work.resolve("models/random15M.bin"));
        List<String> ranges = Collections.synchronizedList(new ArrayList<>());
        story.page.route("**/models/random15M.bin", route -> {
            ranges.add(String.valueOf(route.request().headers().get("range")));
            route.resume();
        });
        Map<String, String> query = Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "0", "steps", "12", "autostart", "1");
        story.open(site.root.url(), query);
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        String inPieces = story.output();
        List<String> expected = new ArrayList<>();
        for (long from = 0; from < size && browserName().equals("firefox"); from += 16 << 20) {
            expected.add("bytes=" + from + "-" + (Math.min(from + (16 << 20), size) - 1));
        }
        assertEquals(expected.isEmpty() ? List.of("null") : expected, ranges);

        story.page.unroute("**/models/random15M.bin");
        story.page.route("**/models/random15M.bin", route -> {
            Map<String, String> headers = new HashMap<>(route.request().headers());
            headers.remove("range");
            route.resume(new Route.ResumeOptions().setHeaders(headers));
        });
        story.open(site.subPath.url(), query);
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(inPieces, story.output(), "the same story from the file sent whole");
        assertEquals(12, story.tokens());
    }

    /**
     * Progress reaches the end, and shows at most ten times a second (each showing has the page
     * draw, taking a core from the workers that read the model): the 1 MB model's reads of 64 KB
     * each reported a percent of their own, 17 in 50 to 380 ms.
     */
    @Test
    void progressReachesTheEndAndASecondStoryFollows() {
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "40"));
        assertEquals("idle", story.state());
        story.page.evaluate("() => { window.progressSeen = []; window.progressTimes = [];"
                + " new MutationObserver(() => { window.progressSeen.push(document.getElementById('progress-text').textContent);"
                + "   window.progressTimes.push(performance.now()); })"
                + " .observe(document.getElementById('progress-text'), {childList: true, characterData: true, subtree: true}); }");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("100", story.page.evaluate("String(document.getElementById('progress').value)"));
        @SuppressWarnings("unchecked")
        List<String> texts = (List<String>) story.page.evaluate("window.progressSeen");
        @SuppressWarnings("unchecked")
        List<Number> times = (List<Number>) story.page.evaluate("window.progressTimes");
        String progressSeen = String.join(" | ", texts);
        assertTrue(progressSeen.contains("model: 1.0 MB of 1.0 MB (100%)"), progressSeen);
        assertTrue(progressSeen.contains("tokenizer: 6 KB of 6 KB (100%)"), progressSeen);
        List<Integer> model = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).startsWith("model: ")) {
                model.add(i);
            }
        }
        double readMs = times.get(model.get(model.size() - 1)).doubleValue() - times.get(model.get(0)).doubleValue();
        int between = model.size() - 2; // after the start's 0 bytes, before the end's 100%
        assertTrue(between <= 2 + readMs / 100, between + " reports in " + readMs + " ms: " + progressSeen);
        assertTrue(story.page.textContent("#shape").contains("stories260K.bin"), story.page.textContent("#shape"));
        assertTrue(story.page.textContent("#shape").contains("260K parameters"), story.page.textContent("#shape"));
        String first = story.output();

        story.page.fill("#prompt", "The dog");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.output().startsWith("The dog"), story.output());
        assertTrue(!story.output().equals(first));
        assertEquals(40, story.tokens(), "one piece per step");
    }

    /**
     * The story is drawn at most every 100 ms (story.js, FRAME_GAP_MS), not every frame the pieces
     * come in: on a machine whose cores all run shards, each frame holds the workers up. Here the
     * pieces come straight to story.js every 5 ms, faster than the worker sends them.
     */
    @Test
    void theStoryIsDrawnAtMostTenTimesASecond() {
        story.open(site.root.url(), Map.of());
        List<?> drawn = (List<?>) story.page.evaluate("() => new Promise((done) => { const drawn = [];"
                + " new MutationObserver((records) => { if (records.some((r) => r.addedNodes.length > 0))"
                + " drawn.push(performance.now()); })"
                + " .observe(document.getElementById('output'), {childList: true, subtree: true});"
                + " let n = 0; const timer = setInterval(() => {"
                + " appendPiece({text: 'piece ' + n + ' ', token: 5, pos: n + 1, tokens: n + 1, tokPerSec: 200, prompt: false});"
                + " if (++n === 300) { clearInterval(timer); setTimeout(() => done(drawn), 300); } }, 5); })");
        assertTrue(story.output().endsWith("piece 299 "), story.output());
        assertTrue(drawn.size() >= 5, "the story drawn " + drawn.size() + " times");
        // the observer sees a frame's pieces after the frame has read the layout, which a busy
        // machine can make a few ms late: one gap may be short by that much, the frames' mean not
        for (int i = 1; i < drawn.size(); i++) {
            double gap = ((Number) drawn.get(i)).doubleValue() - ((Number) drawn.get(i - 1)).doubleValue();
            assertTrue(gap >= 80, "drawn " + gap + " ms after the draw before, at " + drawn);
        }
        double first = ((Number) drawn.get(0)).doubleValue();
        double last = ((Number) drawn.get(drawn.size() - 1)).doubleValue();
        double meanGap = (last - first) / (drawn.size() - 1);
        assertTrue(meanGap >= 97, "drawn every " + meanGap + " ms on average, at " + drawn);
    }

    /**
     * The story follows its end only while the reader is there: scrolled up with the wheel while
     * tokens keep coming, it stays where the reader put it, and scrolled back down, it follows
     * again. (Each frame scrolled to the end if the frame before had found the reader there, so a
     * story faster than a frame's pieces pulled the reader back at the next frame.) Following, the
     * view comes down to where the story ended some pieces before (a frame scrolls to the end, then
     * adds its pieces below it); not following, it stays put.
     */
    @Test
    void theStoryFollowsItsEndOnlyWhileTheReaderIsThere() {
        story.open(site.root.url(), Map.of("model", "models/random-mini.bin", "tokenizer", "models/tok512.bin",
                "temperature", "0", "keep", "16", "steps", "100000"));
        story.page.click("#start");
        story.waitForTokens(3000);
        assertFollowsItsEnd();
        var box = story.page.locator("#output").boundingBox();
        story.page.mouse().move(box.x + box.width / 2, box.y + box.height / 2);
        for (int i = 0; i < 5; i++) {
            story.page.mouse().wheel(0, -400);
            story.page.waitForTimeout(20);
        }
        story.page.waitForTimeout(300); // a smooth scroll's end
        double scrolledTo = ((Number) story.page.evaluate("document.getElementById('output').scrollTop")).doubleValue();
        int tokens = story.tokens();
        story.waitForTokens(tokens + 2000);
        assertEquals("generating", story.state());
        assertEquals(scrolledTo, ((Number) story.page.evaluate("document.getElementById('output').scrollTop")).doubleValue(),
                "the story stays where the reader scrolled to");

        story.page.evaluate("() => { const o = document.getElementById('output'); o.scrollTop = o.scrollHeight; }");
        story.waitForTokens(story.tokens() + 2000);
        assertFollowsItsEnd();
        story.page.click("#stop");
        story.waitForState("stopped", "done");
    }

    /** The story, longer than its box, brings the view down to where it ended 2000 pieces before. */
    private void assertFollowsItsEnd() {
        double end = ((Number) story.page.evaluate(
                "() => { const o = document.getElementById('output'); return o.scrollHeight - o.clientHeight; }")).doubleValue();
        assertTrue(end > 0, "the story is longer than its box");
        story.waitForTokens(story.tokens() + 2000);
        story.waitUntil("end => document.getElementById('output').scrollTop >= end", end);
    }

    @Test
    void stopHaltsMidStoryAndTheNextStoryRuns() {
        story.open(site.root.url(), Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "1", "seed", "7", "keep", "16", "steps", "100000"));
        story.page.click("#start");
        story.waitForTokens(3);
        story.page.click("#stop");
        story.waitForState("stopped");
        int stoppedAt = story.tokens();
        String text = story.output();
        assertTrue(stoppedAt < 99999, "stopped after " + stoppedAt + " of 99999 tokens");
        story.page.waitForTimeout(500);
        assertEquals(text, story.output(), "nothing more arrives after a stop");
        assertEquals(stoppedAt, story.tokens());

        story.page.click("#start");
        story.waitForState("generating");
        story.waitForTokens(2);
        story.page.click("#stop");
        story.waitForState("stopped");
        assertTrue(story.output().length() > 0);
    }

    /**
     * Stop right after Start, while a local file of 58 MB is read (which no abort signal reaches),
     * ends the load: no story starts after it. The next Start loads the file and runs.
     */
    @Test
    void stopWhileALocalModelIsReadEndsTheLoad() {
        story.open(site.root.url(), Map.of());
        story.page.selectOption("#model", "files");
        story.page.setInputFiles("#model-file", site.work.resolve("models/random15M.bin"));
        story.page.setInputFiles("#tokenizer-file", site.work.resolve("models/tokenizer.bin"));
        story.page.fill("#steps", "30");
        // Stop right behind Start, in one task of the page: the worker hears it while it reads the file
        story.page.evaluate("() => { document.getElementById('start').click(); document.getElementById('stop').click(); }");
        story.waitForState("stopped");
        story.page.waitForTimeout(1000);
        assertEquals("stopped", story.state(), story.status());
        assertEquals(0, story.tokens(), story.output());

        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.tokens() > 0, story.status());
    }

    /**
     * Stop in the download of a model of 16 or 58 MB from this machine's server, which sends it
     * faster than the worker reads: the download stops within a block of where it was when Stop
     * was pressed, not once every byte the browser already holds is read (Chromium went on for 300
     * to 600 ms, to the end), and the progress line says how far it got. The page presses Stop
     * itself when it first shows the model's progress, at the download's start: Firefox reads the
     * 58 MB into the worker in about as long as Playwright takes to click, and was often done
     * before Stop; the next report comes a tenth of a second later.
     */
    @Test
    void stopEndsAFastDownloadWhereItIs() {
        Pattern modelProgress = Pattern.compile("model: ([\\d.]+) (bytes|KB|MB) of [\\d.]+ MB \\(\\d+%\\)");
        for (int attempt = 0; attempt < 6; attempt++) {
            // int8 goes into the worker the faster, fp32 downloads the longer;
            // and a story as long as a story gets, so that a late Stop still finds one to stop
            String model = attempt % 2 == 0 ? "models/random15M-q80.bin" : "models/random15M.bin";
            story.open(site.root.url(), Map.of("model", model, "tokenizer", "models/tokenizer.bin",
                    "steps", "100000", "keep", "64"));
            story.page.evaluate("() => { const progress = document.getElementById('progress-text');"
                    + " new MutationObserver((changes, observer) => {"
                    + "   if (!/model: .* of/.test(progress.textContent)) return;"
                    + "   observer.disconnect();"
                    + "   window.progressAtStop = progress.textContent;"
                    + "   document.getElementById('stop').click();"
                    + " }).observe(progress, {childList: true, characterData: true, subtree: true}); }");
            story.page.click("#start");
            story.waitUntil("() => window.progressAtStop !== undefined"
                    + " || document.getElementById('output').dataset.state === 'generating'", null);
            if (story.page.evaluate("window.progressAtStop") == null) {
                story.page.click("#stop"); // the page never showed the model's progress
                story.waitForState("stopped");
                continue;
            }
            story.waitForState("stopped");
            Matcher atStop = modelProgress.matcher(String.valueOf(story.page.evaluate("window.progressAtStop")));
            String progress = story.page.textContent("#progress-text");
            Matcher end = modelProgress.matcher(progress);
            if (!atStop.find() || !end.find()) {
                continue; // the model's download was over before Stop, though the page had not shown it yet
            }
            assertTrue(progress.endsWith(" · stopped"), progress);
            double after = megabytes(end) - megabytes(atStop);
            assertTrue(after <= 2.0, after + " MB read after Stop: " + progress);
            return;
        }
        throw new AssertionError("the download was over before Stop, six times");
    }

    /** The amount a progress text's match read, in MB: its number and unit, groups 1 and 2. */
    private static double megabytes(Matcher progress) {
        double amount = Double.parseDouble(progress.group(1));
        return switch (progress.group(2)) {
            case "bytes" -> amount / (1 << 20);
            case "KB" -> amount / 1024;
            default -> amount;
        };
    }

    /**
     * Copy link puts every setting in the address, and the seed a story drew where its Seed read
     * as 0 (empty, 0, or 4294967296, which atoi wraps to 0), so that the link tells the same story
     * again (on any number of threads); a prompt or seed typed after the story, or a link copied
     * before any, is said to tell a story with these settings.
     */
    @EngineNeutral
    @ParameterizedTest
    @ValueSource(strings = {"", "0", "4294967296", "-7"})
    void aCopiedLinkTellsTheSameStoryAgain(String seed) {
        NewUserPageTest.recordClipboard(story);
        story.open(site.root.url(), seed.isEmpty() ? StoryPage.stories260K("prompt", "Lily and Tom", "steps", "80")
                : StoryPage.stories260K("prompt", "Lily and Tom", "steps", "80", "seed", seed));
        copyLink(story);
        assertTrue(story.status().endsWith(" tells a story with these settings."), story.status());
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        String first = story.output();
        copyLink(story);
        assertTrue(story.status().endsWith(" tells this story again."), story.status());
        String link = story.address();
        Matcher linked = Pattern.compile("[?&]seed=([^&]*)").matcher(link);
        assertTrue(linked.find(), link);
        if (seed.equals("-7")) {
            assertEquals("-7", linked.group(1), "a seed typed goes as typed");
        } else {
            assertTrue(linked.group(1).matches("[1-9][0-9]*"), "the seed drawn: " + link);
        }
        story.page.navigate(link + "&autostart=1");
        story.waitForState("done", "error");
        assertEquals(first, story.output());
        if (!seed.isEmpty()) {
            return; // what is typed after the story is told apart the same way whatever the seed
        }

        story.page.fill("#prompt", "Lily and Sam");
        copyLink(story);
        assertTrue(story.status().endsWith(" tells a story with these settings."), story.status());
        story.page.fill("#prompt", "Lily and Tom");
        story.page.selectOption("#threads", "2");
        copyLink(story);
        assertTrue(story.status().endsWith(" tells this story again."), "the same story on two threads: "
                + story.status());

        story.page.fill("#seed", "5");
        copyLink(story);
        assertTrue(story.status().endsWith(" tells a story with these settings."), story.status());
        assertTrue(story.address().contains("seed=5"), story.address());
    }

    /** Presses Copy link and waits for the page to have copied the link (and said so). */
    private static void copyLink(StoryPage story) {
        int copied = ((Number) story.page.evaluate("window.copied.length")).intValue();
        story.page.click("#link");
        story.waitUntil("n => window.copied.length > n", copied);
    }

    /**
     * Copy link pressed as Start is pressed again, before the new story has drawn its seed, links
     * the settings, not the seed of the story Start cleared away; and a setting of the link changed
     * by hand takes the link out of the address, so that a reload keeps the change and starts no
     * story, where it brought the link's settings back and told its story again.
     */
    @EngineNeutral
    @Test
    void copyLinkAsAStoryStartsLinksTheSettingsAndAChangedSettingTakesTheLinkOut() {
        NewUserPageTest.recordClipboard(story);
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Lily and Tom", "steps", "20", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        String linked = (String) story.page.evaluate("() => { document.getElementById('start').click(); "
                + "document.getElementById('link').click(); return location.href; }");
        assertTrue(linked.contains("prompt=Lily") && !linked.contains("autostart"), "Copy link's: " + linked);
        assertFalse(linked.contains("seed="), "the last story's seed: " + linked);
        story.waitForState("done", "error");

        story.page.fill("#prompt", "A dragon");
        assertFalse(story.address().contains("?"), story.address());
        story.page.reload();
        story.waitUntil("() => document.getElementById('start').disabled === false", null);
        assertEquals("A dragon", story.page.inputValue("#prompt"));
        assertEquals("20", story.page.inputValue("#steps"));
        assertEquals("", story.page.evaluate("location.search"), "no link to start a story");
    }

    /**
     * A worker's WebAssembly memory never shrinks: after random15M (58 MB of matrices, on one
     * thread or 29 MB in each of two), a story of other files gets a fresh worker, which tells the
     * golden story, and the old one ends, with its shard worker; after stories260K (1 MB), the
     * next model loads in the same worker.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1", "2"})
    void aStoryOfOtherFilesAfterALargeModelGetsAFreshWorker(String threads) {
        List<Worker> made = watchStoryWorkers();
        List<Worker> ended = new CopyOnWriteArrayList<>();
        story.page.onWorker(worker -> worker.onClose(ended::add));
        story.open(site.root.url(), Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "temperature", "0", "steps", "8", "threads", threads, "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.page.textContent("#shape").endsWith(threads.equals("1") ? " · one thread" : " · 2 threads"),
                story.page.textContent("#shape"));
        assertEquals(1, made.size());

        tellCase03OfStories260K();
        assertEquals(2, made.size(), "a fresh worker");
        waitForAnEnd(ended, made.get(0));
        assertTrue(ended.contains(made.get(0)), "the old one ended");

        story.page.selectOption("#model", "url");
        story.page.fill("#model-url", "models/random-mini-q80.bin");
        story.page.fill("#tokenizer-url", "models/tok512.bin");
        story.page.fill("#steps", "40");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals(new String(Shared.read(Shared.golden("q8/runq-t0.stdout")), StandardCharsets.UTF_8),
                story.output() + "\n");
        assertEquals(2, made.size(), "the same worker");
        assertEquals(List.of(made.get(0)), ended.stream().filter(made::contains).toList(), "the new one lives");
    }

    /**
     * A load stopped once random15M's embedding table (37 MB, the matrix of its shared classifier)
     * is in memory keeps that memory too: the next story of other files gets a fresh worker. The
     * model comes in eight pieces 7.6 MB and 120 ms apart, so that the progress line shows the
     * sixth (45.6 MB) before the rest is read.
     */
    @Test
    void aStoppedLoadOfALargeModelAlsoGetsAFreshWorker() {
        List<Worker> made = watchStoryWorkers();
        try (SlowServer slow = new SlowServer(SlowServer.PAUSE_MS, site.work.resolve("models"))) {
            story.open(site.root.url(), Map.of("model", slow.url(true, "random15M.bin"),
                    "tokenizer", "models/tokenizer.bin", "temperature", "0", "steps", "100000", "threads", "1"));
            story.page.evaluate("() => { const progress = document.getElementById('progress-text');"
                    + " new MutationObserver((changes, observer) => {"
                    + "   const read = /model: ([\\d.]+) MB of/.exec(progress.textContent);"
                    + "   if (read === null || Number(read[1]) < 45) return;"
                    + "   observer.disconnect();"
                    + "   document.getElementById('stop').click();"
                    + " }).observe(progress, {childList: true, characterData: true, subtree: true}); }");
            story.page.click("#start");
            story.waitForState("stopped", "done", "error");
            assertEquals("stopped", story.state(), story.status());
            assertTrue(story.page.textContent("#progress-text").endsWith(" · stopped"), story.page.textContent("#progress-text"));
            assertEquals("not loaded", story.page.textContent("#shape"));
        }
        int workers = made.size();
        tellCase03OfStories260K();
        assertEquals(workers + 1, made.size(), "a fresh worker");
    }

    /** The story workers (worker.js) the page starts from now on. */
    private List<Worker> watchStoryWorkers() {
        List<Worker> made = new CopyOnWriteArrayList<>();
        story.page.onWorker(worker -> {
            if (worker.url().endsWith("/worker.js")) {
                made.add(worker);
            }
        });
        return made;
    }

    /** case03 (-t 0 -i "Once upon a time", stories260K) from the preset, golden; the page is at temperature 0. */
    private void tellCase03OfStories260K() {
        Case c = goldenCases().get(2);
        story.page.selectOption("#model", "local-260K");
        story.page.fill("#prompt", c.prompt());
        story.page.fill("#steps", c.steps());
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
    }

    private void waitForAnEnd(List<Worker> ended, Worker worker) {
        for (int waited = 0; !ended.contains(worker) && waited < 5000; waited += 25) {
            story.page.waitForTimeout(25);
        }
    }

    /** Local files, chosen with the file inputs: read in the page, never uploaded. */
    @Test
    void tellsAStoryFromChosenFiles() {
        Case c = goldenCases().get(2); // case03: -t 0 -i "Once upon a time"
        story.open(site.root.url(), Map.of());
        story.page.selectOption("#model", "files");
        story.page.setInputFiles("#model-file", Shared.model("stories260K.bin"));
        story.page.setInputFiles("#tokenizer-file", Shared.model("tok512.bin"));
        story.page.fill("#prompt", c.prompt());
        story.page.fill("#temperature", c.temperature());
        story.page.fill("#steps", c.steps());
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
    }

    /**
     * Local files dropped on the page: the larger is the model, the smaller its tokenizer; the link
     * the page was opened with, which names another model, leaves the address, where a reload would
     * bring that model back.
     */
    @Test
    void tellsAStoryFromDroppedFiles() {
        Case c = goldenCases().get(1); // case02: -t 0, no prompt
        story.open(site.root.url(), Map.of("model", "models/no-such-model.bin", "tokenizer", "models/tok512.bin",
                "temperature", c.temperature(), "steps", c.steps()));
        String drop = "([model, tokenizer]) => {"
                + "  const bytes = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));"
                + "  const transfer = new DataTransfer();"
                + "  transfer.items.add(new File([bytes(tokenizer)], 'tok512.bin'));"
                + "  transfer.items.add(new File([bytes(model)], 'stories260K.bin'));"
                + "  document.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));"
                + "}";
        Base64.Encoder base64 = Base64.getEncoder();
        story.page.evaluate(drop, List.of(base64.encodeToString(Shared.read(Shared.model("stories260K.bin"))),
                base64.encodeToString(Shared.read(Shared.model("tok512.bin")))));
        assertEquals("files", story.page.inputValue("#model"));
        assertFalse(story.address().contains("?"), "the link's model is not the one dropped: " + story.address());
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
    }

    // ----------------------------------------------------------------------------
    // bad input

    private void assertError(Map<String, String> query, String message) {
        story.open(site.root.url(), query);
        story.waitForState("error", "done");
        assertEquals("error", story.state());
        assertTrue(story.status().contains(message), "expected '" + message + "' in: " + story.status());
        assertEquals("false", String.valueOf(story.page.isDisabled("#start")), "the page stays usable");
    }

    @EngineNeutral
    @Test
    void missingModel() {
        assertError(Map.of("model", "models/no-such-model.bin", "tokenizer", "models/tok512.bin", "autostart", "1"),
                "models/no-such-model.bin: the server answered 404");
    }

    @EngineNeutral
    @Test
    void truncatedModel() {
        assertError(Map.of("model", "models/truncated260K.bin", "tokenizer", "models/tok512.bin", "autostart", "1"),
                "models/truncated260K.bin: truncated checkpoint: its header (version 0, dim 64, hidden_dim 172, "
                        + "n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier) needs "
                        + "1056540 bytes, found 500000");
    }

    @EngineNeutral
    @Test
    void tokenizerOfAnotherModel() {
        assertError(Map.of("model", "models/stories260K.bin", "tokenizer", "models/tokenizer.bin", "autostart", "1"),
                "models/tokenizer.bin: the tokenizer has 32000 entries, the model's vocab_size is 512");
    }

    /** A wrong address that brings an HTML page for the tokenizer is called one. */
    @EngineNeutral
    @Test
    void tokenizerThatIsAnHtmlPage() {
        assertError(Map.of("model", "models/stories260K.bin", "tokenizer", "index.html", "autostart", "1"),
                "index.html: expected a tokenizer file, found a text document (an HTML page?)");
    }

    @EngineNeutral
    @Test
    void temperatureThatIsNotANumberThenAFixedOne() {
        assertError(StoryPage.stories260K("temperature", "warm", "autostart", "1"),
                "temperature expects a number, found 'warm'");
        story.page.fill("#temperature", "0");
        story.page.fill("#steps", "20");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
    }

    /** Generated text is put into the page as text: markup in it stays literal. */
    @EngineNeutral
    @Test
    void markupInTheStoryIsText() {
        String prompt = "<img src=x onerror=alert(1)><b>bold</b>";
        story.open(site.root.url(), StoryPage.stories260K("prompt", prompt, "temperature", "0", "steps", "60",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.output().startsWith(prompt), story.output());
        // one span per position, each holding a text node: no element was made from the story
        assertEquals(0, story.page.locator("#output > :not(.passage), #output > .passage > :not(span), #output span *").count(), "only the page's spans");
        assertEquals(List.of(), dialogs);
    }

    /** The benchmark page runs the worker's stories and tabulates them, with JSON for scripts; one step is refused. */
    @Test
    void benchmarkPageMeasuresRuns() {
        story.page.navigate(site.root.url() + "bench.html?model=models/stories260K.bin&tokenizer=models/tok512.bin"
                + "&runs=2&steps=30&autostart=1");
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("done", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        assertEquals(2, story.page.locator("#results tr").count());
        String json = story.page.textContent("#bench-json");
        assertTrue(json.contains("\"tokens\":30"), json);
        assertTrue(json.contains("\"medianTokPerSec\":"), json);
        assertTrue(story.page.textContent("#shape").contains("stories260K.bin"));

        // one step has no speed (it counts the positions after the first, as llama2.c does): refused
        story.page.navigate(site.root.url() + "bench.html?model=models/stories260K.bin&tokenizer=models/tok512.bin"
                + "&runs=2&steps=1&autostart=1");
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("error", story.page.getAttribute("#bench", "data-state"));
        assertEquals("steps expects a whole number of at least 2, found '1'", story.page.textContent("#status"));
    }

    /** As on GitHub Pages, where a project site lives at /repository/. */
    @Test
    void worksFromASubPath() {
        story.open(site.subPath.url(), StoryPage.stories260K("temperature", "0", "steps", "30", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(story.page.url().startsWith(site.subPath.url()));
    }
}

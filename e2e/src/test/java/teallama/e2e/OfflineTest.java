package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.ServiceWorkerPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;
import teallama.Shared;
import teallama.server.SecurityHeaders;
import teallama.server.SiteManifest;
import teallama.server.SiteServer;

/**
 * The page after one visit: the model store (store.js), the service worker (sw.js) and the
 * offline demo kit, each in a fresh browser context (a service worker and a store live as long
 * as their context); subclasses name the browser.
 */
abstract class OfflineTest extends PagesTest {
    /** case03: -t 0 -i "Once upon a time", whose text is golden. */
    static final Case CASE03 = GoldenGenerateTest.cases().get(2);
    /** Records every text the progress line shows, in window.progressSeen. */
    static final String RECORD_PROGRESS = "window.progressSeen = [];"
            + "document.addEventListener('DOMContentLoaded', () => {"
            + "  const text = document.getElementById('progress-text');"
            + "  if (text) new MutationObserver(() => window.progressSeen.push(text.textContent))"
            + "    .observe(text, {childList: true, characterData: true, subtree: true}); });";
    /** Records every text the status line shows, in window.statusSeen. */
    static final String RECORD_STATUS = "window.statusSeen = [];"
            + "document.addEventListener('DOMContentLoaded', () => {"
            + "  const text = document.getElementById('status');"
            + "  new MutationObserver(() => window.statusSeen.push(text.textContent))"
            + "    .observe(text, {childList: true, characterData: true, subtree: true}); });";

    private static Path kit;

    private final List<String> console = Collections.synchronizedList(new ArrayList<>()); // for the failures' messages
    Path sitePath;

    @BeforeAll
    void findSite() {
        sitePath = Path.of(System.getProperty("teallama.site", "../web/target/site")).toAbsolutePath().normalize();
    }

    @AfterEach
    void forgetConsole() {
        console.clear();
    }

    /** A page in a context of its own, which counts its main frame's navigations in navigations. */
    StoryPage newStory(AtomicInteger navigations) {
        return newStory(navigations, newContext());
    }

    private StoryPage newStory(AtomicInteger navigations, BrowserContext context) {
        context.addInitScript(RECORD_PROGRESS);
        context.addInitScript(RECORD_STATUS);
        Page page = watchedPage(context);
        page.onConsoleMessage(message -> console.add("page: " + message.text()));
        page.onWorker(worker -> worker.onConsole(message -> console.add(worker.url() + ": " + message.text())));
        page.onFrameNavigated(frame -> {
            if (frame == page.mainFrame()) {
                navigations.incrementAndGet();
            }
        });
        return new StoryPage(page);
    }

    StoryPage newStory() {
        return newStory(new AtomicInteger());
    }

    /** A short story of random15M from this site's own addresses, which stores the model and tokenizer. */
    Map<String, String> random15M() {
        return Map.of("model", site.root.url() + "models/random15M.bin",
                "tokenizer", site.root.url() + "models/tokenizer.bin", "temperature", "0", "steps", "8");
    }

    /** A page opened on random15M() again after a story of it, with both its files stored. */
    StoryPage reopenedWithRandom15MStored() {
        StoryPage story = newStory();
        story.open(site.root.url(), random15M());
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");

        story.open(site.root.url(), random15M());
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");
        return story;
    }

    /** A link to case03's story with this model and tokenizer (null: the preset's own). */
    static Map<String, String> case03(String model, String tokenizer, String... more) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("model", model);
        if (tokenizer != null) {
            query.put("tokenizer", tokenizer);
        }
        query.put("prompt", CASE03.prompt());
        query.put("temperature", CASE03.temperature());
        query.put("topp", CASE03.topp());
        query.put("seed", CASE03.seed());
        query.put("steps", CASE03.steps());
        for (int i = 0; i < more.length; i += 2) {
            query.put(more[i], more[i + 1]);
        }
        return query;
    }

    /** Waits until the page says done or error, through any reloads on the way. */
    void waitForEnd(StoryPage story) {
        waitFor(story, "['done', 'error'].includes(document.getElementById('output').dataset.state)");
    }

    /** Waits until a condition in the page holds; a page that reloads meanwhile is asked again. */
    void waitFor(StoryPage story, String condition) {
        try {
            story.waitUntil("() => { try { return !!(" + condition + "); } catch (e) { return false; } }", null,
                    TimeUnit.SECONDS.toMillis(60));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; status: " + story.status() + "; progress: "
                    + story.page.textContent("#progress-text") + "; console: " + console, e);
        }
    }

    static void assertGolden(StoryPage story) {
        assertEquals("done", story.state(), story.status());
        assertArrayEquals(CASE03.expected(), (story.output() + "\n").getBytes(StandardCharsets.UTF_8),
                () -> "expected:\n" + new String(CASE03.expected(), StandardCharsets.UTF_8) + "\nfound:\n" + story.output());
    }

    /** The addresses in the model store, as the page lists them. */
    @SuppressWarnings("unchecked")
    static List<String> stored(StoryPage story) {
        return (List<String>) story.page.evaluate("modelStore.list().then((entries) => entries.map((e) => e.url))");
    }

    /** Every file in the store's folder, whole or not. */
    @SuppressWarnings("unchecked")
    static List<String> storeFiles(StoryPage story) {
        return (List<String>) story.page.evaluate("navigator.storage.getDirectory()"
                + ".then((root) => root.getDirectoryHandle('teallama-store', {create: true}))"
                + ".then(async (dir) => {"
                + "  const names = [];"
                + "  for await (const name of dir.keys()) names.push(name);"
                + "  return names; })");
    }

    /** Waits until the store's folder holds no file: a failed download's bytes are deleted soon after its error. */
    static void waitForEmptyStore(StoryPage story) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!storeFiles(story).isEmpty()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("bytes left in the store: " + storeFiles(story));
            }
            story.page.waitForTimeout(25);
        }
    }

    static String progressSeen(StoryPage story) {
        return String.valueOf(story.page.evaluate("window.progressSeen.join(' | ')"));
    }

    static String statusSeen(StoryPage story) {
        return String.valueOf(story.page.evaluate("window.statusSeen.join(' | ')"));
    }

    // ----------------------------------------------------------------------------
    // the model store

    /**
     * One visit loads the model from another origin; the next load reads it from the store and
     * asks that origin for nothing; and with the network cut and both servers gone, a reload
     * shows the page (from the service worker) and tells the golden story from the store. (At a
     * sub-path, on a host without headers: the next test.)
     */
    @Test
    void afterOneVisitTheStoredModelTellsTheGoldenStoryOffline() throws IOException {
        SiteServer siteServer = new SiteServer(sitePath, null, 0, "/");
        StaticHost modelHost = new StaticHost(sitePath, "/", false);
        try {
            String models = modelHost.url() + "models/";
            Map<String, String> query = case03(models + "stories260K.bin", models + "tok512.bin", "autostart", "1");
            StoryPage story = newStory();
            story.open(siteServer.url(), query);
            waitForEnd(story);
            assertGolden(story);
            assertTrue(progressSeen(story).contains("model: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));
            waitFor(story, "navigator.serviceWorker.controller !== null");
            waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");
            assertEquals(List.of(models + "stories260K.bin", models + "tok512.bin"), stored(story));
            assertEquals(1, modelHost.requests("models/stories260K.bin"));
            assertEquals(1, modelHost.requests("models/tok512.bin"));

            story.open(siteServer.url(), query);
            waitForEnd(story);
            assertGolden(story);
            assertEquals(1, modelHost.requests("models/stories260K.bin"), "the stored model was not asked for again");
            assertEquals(1, modelHost.requests("models/tok512.bin"), "nor its tokenizer");
            assertTrue(progressSeen(story).contains("model from storage: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));
            assertTrue(progressSeen(story).contains("tokenizer from storage: 6 KB of 6 KB (100%)"), progressSeen(story));
            assertTrue(story.page.textContent("#progress-text").endsWith("in memory · read from storage"),
                    story.page.textContent("#progress-text"));
            // nothing is downloaded, which the status says too
            assertTrue(statusSeen(story).contains("Reading the model from storage…"), statusSeen(story));
            assertTrue(statusSeen(story).contains("Reading the tokenizer from storage…"), statusSeen(story));
            assertTrue(!statusSeen(story).contains("Downloading"), statusSeen(story));

            siteServer.close();
            modelHost.close();
            story.page.context().setOffline(true);
            story.page.reload();
            waitForEnd(story);
            assertGolden(story);
            assertTrue(progressSeen(story).contains("model from storage: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));
            assertEquals(true, story.page.evaluate("crossOriginIsolated"), "the worker's answers carry COOP and COEP");
        } finally {
            siteServer.close();
            modelHost.close();
        }
    }

    /** An HTML page, a download that breaks off and one stopped halfway: none is kept, nor any of its bytes. */
    @Test
    void failedRefusedAndStoppedDownloadsAreNeverStored() {
        try (StaticHost modelHost = new StaticHost(sitePath, "/", false)) {
            String tokenizer = modelHost.url() + "models/tok512.bin";
            StoryPage story = newStory();

            story.open(site.root.url(), case03(modelHost.url() + "models/page.bin", tokenizer, "autostart", "1"));
            waitForEnd(story);
            assertEquals("error", story.state());
            assertTrue(story.status().contains("a text document (an HTML page?), not model weights"), story.status());
            assertEquals(List.of(), stored(story));
            waitForEmptyStore(story);

            story.open(site.root.url(), case03(modelHost.brokenUrl("stories260K.bin"), tokenizer, "autostart", "1"));
            waitForEnd(story);
            assertEquals("error", story.state());
            assertTrue(story.status().contains("the download broke off after"), story.status());
            assertEquals(List.of(), stored(story));
            waitForEmptyStore(story);

            story.open(site.root.url(), case03(modelHost.url() + "models/slow/stories260K.bin", tokenizer));
            story.page.click("#start");
            waitFor(story, "/^model: [1-9]/.test(document.getElementById('progress-text').textContent)");
            story.page.click("#stop");
            story.waitForState("stopped");
            assertTrue(story.page.textContent("#progress-text").matches("model: .* \\(\\d{1,2}%\\).*"),
                    "stopped halfway: " + story.page.textContent("#progress-text"));
            assertEquals(List.of(), stored(story));
            waitForEmptyStore(story);

            // the store works here: a whole load is kept
            story.open(site.root.url(), case03(modelHost.url() + "models/stories260K.bin", tokenizer, "autostart", "1"));
            waitForEnd(story);
            assertGolden(story);
            waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");
            assertEquals(2, stored(story).size());
            assertEquals(4, storeFiles(story).size(), "two entries and their data: " + storeFiles(story));
        }
    }

    /**
     * Put before worker.js: the first `stalls` streams of a file over 100 KB (the model, not its
     * tokenizer) stop for good after `stallAt` bytes, as Chromium's stream of a stored 110M now and
     * then did; each stream asked for is told to the page (RECORD_FILE_STREAMS).
     */
    private static final String STALLING_STREAMS = "(() => {"
            + "  const told = new BroadcastChannel('file-streams');"
            + "  let stalls = %s;"
            + "  const stream = Blob.prototype.stream;"
            + "  Blob.prototype.stream = function () {"
            + "    const whole = stream.call(this);"
            + "    if (this.size < 100000) return whole;"
            + "    const stalled = stalls-- > 0;"
            + "    told.postMessage({size: this.size, stalled});"
            + "    if (!stalled) return whole;"
            + "    const reader = whole.getReader();"
            + "    let given = 0;"
            + "    return new ReadableStream({type: 'bytes',"
            + "      async pull(controller) {"
            + "        if (given >= %d) return new Promise(() => {});"
            + "        const {done, value} = await reader.read();"
            + "        if (done) { controller.close(); return; }"
            + "        given += value.byteLength;"
            + "        controller.enqueue(value);"
            + "      },"
            + "      cancel: (reason) => reader.cancel(reason)});"
            + "  };"
            + "})();\n";

    /**
     * A stored model whose read stops giving bytes (here: worker.js's file streams stall) goes on
     * from where it stopped, on a new stream, and tells the golden story; one whose every stream
     * stalls ends in an error that says so, is no longer stored, and the next Start downloads it.
     */
    @Test
    void aStoredModelWhoseReadStallsGoesOnOrIsDownloadedAgain() {
        AtomicReference<String> stalling = new AtomicReference<>("");
        BrowserContext context = newContext(new Browser.NewContextOptions().setServiceWorkers(ServiceWorkerPolicy.BLOCK));
        context.addInitScript(RECORD_FILE_STREAMS);
        StoryPage story = newStory(new AtomicInteger(), context);
        // the page's route, not the context's: in Firefox, one of the context left the later
        // tests' pages unable to reload offline (NS_ERROR_OFFLINE)
        story.page.route("**/worker.js", (route) -> {
            APIResponse response = route.fetch();
            route.fulfill(new Route.FulfillOptions().setResponse(response)
                    .setBody(StoryPage.beforeWorkerScript(stalling.get(), response.text())));
        });
        String models = site.root.url() + "models/";
        Map<String, String> query = case03(models + "stories260K.bin", models + "tok512.bin", "autostart", "1");
        story.open(site.root.url(), query);
        waitForEnd(story);
        assertGolden(story);
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");

        stalling.set(String.format(STALLING_STREAMS, "1", 65536));
        story.open(site.root.url(), query);
        waitForEnd(story);
        assertGolden(story);
        assertTrue(progressSeen(story).contains("model from storage: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));
        List<Map<String, Object>> streams = fileStreams(story);
        assertEquals(2, streams.size(), "the stalled stream and the one that went on: " + streams);
        assertEquals(List.of(1056540, true, false), List.of(((Number) streams.get(0).get("size")).intValue(),
                streams.get(0).get("stalled"), streams.get(1).get("stalled")), "the first stalled: " + streams);
        int rest = ((Number) streams.get(1).get("size")).intValue();
        assertTrue(rest > 0 && rest <= 1056540 - 65536, "the second stream goes on after the bytes the first gave: " + streams);

        // every stream stalls: no read can be taken for a stall, so the waits for one
        // (download.js's FILE_STALL_MS, 2 s) may be short
        stalling.set(StoryPage.shortWaits(2000, 200) + String.format(STALLING_STREAMS, "Infinity", 0));
        story.open(site.root.url(), query);
        waitForEnd(story);
        assertEquals("error", story.state(), story.status());
        assertEquals(models + "stories260K.bin: its copy in this browser's storage could not be read after 0 of 1056540 "
                + "bytes (no bytes came for 6 s); Start downloads it again", story.status());
        assertEquals(3, fileStreams(story).size(), "a stream and two more tries: " + fileStreams(story));
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 1");

        story.page.click("#start");
        waitForEnd(story);
        assertGolden(story);
        assertTrue(statusSeen(story).contains("Downloading the model…"), statusSeen(story));
    }

    /** Records the streams that STALLING_STREAMS tells of, in window.fileStreams. */
    private static final String RECORD_FILE_STREAMS = "window.fileStreams = [];"
            + "new BroadcastChannel('file-streams').onmessage = (event) => window.fileStreams.push(event.data);";

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> fileStreams(StoryPage story) {
        return (List<Map<String, Object>>) story.page.evaluate("window.fileStreams");
    }

    /** A browser that keeps nothing (here: the store's folder is taken by a file) still tells the story, and says so. */
    @Test
    void whenTheModelCannotBeKeptTheStoryRunsAndThePageSaysSo() {
        StoryPage story = newStory();
        story.open(site.root.url(), StoryPage.stories260K("prompt", CASE03.prompt(), "temperature", CASE03.temperature(),
                "topp", CASE03.topp(), "seed", CASE03.seed(), "steps", CASE03.steps()));
        // a file where the store's folder goes; the page may still be reading the folder as it
        // opens (Firefox then refuses to remove it once in a while), so try again for a while
        story.page.evaluate("async () => {"
                + "  const root = await navigator.storage.getDirectory();"
                + "  for (let attempt = 1; ; attempt++) {"
                + "    await root.removeEntry('teallama-store', {recursive: true}).catch(() => {});"
                + "    try { await root.getFileHandle('teallama-store', {create: true}); return; }"
                + "    catch (e) { if (attempt === 50) throw e; }"
                + "    await new Promise((resolve) => setTimeout(resolve, 100));"
                + "  }"
                + "}");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertGolden(story);
        story.waitUntil("() => !document.getElementById('store-note').hidden", null);
        story.waitUntil("() => document.getElementById('store-note').textContent.startsWith('The model and')", null);
        String note = story.page.textContent("#store-note");
        assertTrue(note.startsWith("The model and its tokenizer could not be kept for next time: ")
                && note.endsWith(". The story runs all the same."), note);
        assertTrue(!note.contains(".."), note);
        story.waitUntil("() => document.getElementById('stored-summary').textContent.startsWith('Models cannot be')", null);
    }

    /**
     * Where no service worker keeps the site, a stored preset is "stored", not "works offline": it
     * loads without a network while the page is open, but the page would not reopen.
     */
    @Test
    void aStoredPresetWorksOfflineOnlyWhereTheSiteIsKept() {
        StoryPage story = desktopWithoutServiceWorker();
        story.open(site.root.url(), Map.of("model", "local-260K", "temperature", "0", "steps", "20", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.waitUntil("() => document.querySelectorAll('#stored-list li').length === 2", null);
        assertEquals("stories260K · 1 MB · stored", story.page.textContent("#model option[value='local-260K']"));
    }

    /** The list shows each file with its size, the total and the quota; Remove forgets a file, and the menu follows. */
    @Test
    void theStoredModelsListShowsEachFileAndRemovesIt() {
        StoryPage story = newStory();
        story.open(site.root.url(), Map.of("model", "local-260K", "temperature", "0", "steps", "20", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.waitUntil("() => document.querySelectorAll('#stored-list li').length === 2", null);
        assertEquals(List.of("stories260K.bin1.0 MBRemove", "tok512.bin6 KBRemove"),
                story.page.locator("#stored-list li").allTextContents());
        String summary = story.page.textContent("#stored-summary");
        assertTrue(summary.startsWith("2 files, 1.0 MB in all. This browser lets the site keep up to "), summary);
        assertTrue(summary.matches(".* up to \\d+(\\.\\d (MB|GB)| KB) \\(.*"), summary);
        assertEquals("5.0 GB", story.page.evaluate("megabytes(5 * 2 ** 30)"), "a quota in gigabytes");
        story.waitUntil("() => document.querySelector(\"#model option[value='local-260K']\").textContent"
                + ".endsWith(' · stored, works offline')", null);

        story.page.click("button[aria-label='Remove stories260K.bin']");
        story.waitUntil("() => document.querySelectorAll('#stored-list li').length === 1", null);
        assertEquals(List.of("tok512.bin6 KBRemove"), story.page.locator("#stored-list li").allTextContents());
        assertEquals(List.of(site.root.url() + "models/tok512.bin"), stored(story));
        assertEquals("stories260K · 1 MB", story.page.textContent("#model option[value='local-260K']"));
        assertEquals("Removed stories260K.bin from this browser.", story.status());
    }

    /**
     * Remove on a model that a load is reading from the store (random weights of 15M's shape, 58 MB,
     * so that it takes a while) says to wait, and the story goes on; Remove works once it has loaded.
     */
    @Test
    void removeWaitsForTheLoadThatReadsTheModel() {
        StoryPage story = reopenedWithRandom15MStored();
        // Remove the moment the page shows the first bytes from the store (too soon for a poll from here)
        story.page.evaluate("() => {"
                + "  const text = document.getElementById('progress-text');"
                + "  const watch = new MutationObserver(() => {"
                + "    if (!/^model from storage: [1-9]/.test(text.textContent)) return;"
                + "    watch.disconnect();"
                + "    document.querySelector(\"button[aria-label='Remove random15M.bin']\").click();"
                + "  });"
                + "  watch.observe(text, {childList: true, characterData: true, subtree: true});"
                + "  document.getElementById('start').click(); }");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(statusSeen(story).contains("random15M.bin is being read for this story: remove it once the model "
                + "has loaded, or Stop first."), statusSeen(story));
        assertEquals(2, stored(story).size());

        story.page.click("button[aria-label='Remove random15M.bin']");
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 1");
        assertEquals("Removed random15M.bin from this browser.", story.status());
    }

    /** Two tabs: what one keeps or removes shows in the other's list and menu, without a reload. */
    @Test
    void theStoredModelsListFollowsTheOtherTabs() {
        StoryPage first = newStory();
        first.open(site.root.url(), Map.of());
        StoryPage second = new StoryPage(watchedPage(first.page.context()));
        second.open(site.root.url(), Map.of());
        waitFor(second, "document.getElementById('stored-summary').textContent.startsWith('None yet')");

        first.open(site.root.url(), case03("local-260K", null, "autostart", "1"));
        waitForEnd(first);
        assertGolden(first);
        waitFor(second, "document.querySelectorAll('#stored-list li').length === 2");
        waitFor(second, "document.querySelector('#model option[value=\"local-260K\"]').textContent.endsWith('offline')");

        second.page.click("button[aria-label='Remove stories260K.bin']");
        waitFor(first, "document.querySelectorAll('#stored-list li').length === 1");
        assertEquals(List.of("tok512.bin6 KBRemove"), first.page.locator("#stored-list li").allTextContents());
        assertEquals("stories260K · 1 MB", first.page.textContent("#model option[value='local-260K']"));
    }

    /**
     * An address on plain http that the site's security policy refuses ([::1], which a policy
     * cannot name) says so, where it was blamed on the connection or CORS.
     */
    @Test
    void anAddressThePolicyRefusesSaysSo() {
        StoryPage story = newStory();
        String model = site.root.url().replace("127.0.0.1", "[::1]") + "models/stories260K.bin";
        story.open(site.root.url(), Map.of("model", model, "tokenizer", "models/tok512.bin", "autostart", "1"));
        story.waitForState("error", "done");
        assertEquals(model + ": this site's security policy lets the page download over plain http only from "
                + "127.0.0.1 and localhost (use one of them for a server on this machine) or from the site itself; "
                + "other addresses need https", story.status());
    }

    /**
     * A model that cannot be downloaded (here: nobody answers at its address) offers the stored ones,
     * which run, chosen by hand or from a link.
     */
    @Test
    void aModelThatCannotBeDownloadedOffersTheStoredOnes() {
        StoryPage story = newStory();
        story.open(site.root.url(), case03("local-260K", null, "autostart", "1"));
        story.waitForState("done", "error");
        assertGolden(story);
        story.waitUntil("() => document.querySelectorAll('#stored-list li').length === 2", null);

        story.page.selectOption("#model", "url");
        story.page.fill("#model-url", "http://127.0.0.1:9/stories15M.bin");
        story.page.fill("#tokenizer-url", "http://127.0.0.1:9/tokenizer.bin");
        story.page.click("#start");
        story.waitForState("error", "done");
        assertEquals("error", story.state());
        assertTrue(story.status().startsWith("http://127.0.0.1:9/stories15M.bin: could not download it"), story.status());
        assertEquals("These models need no download: stories260K (stored)", story.page.textContent("#store-note"));

        story.page.click("#store-note button[data-model='local-260K']");
        story.waitForState("done", "error");
        assertGolden(story);
        assertEquals("local-260K", story.page.inputValue("#model"));
        assertTrue(progressSeen(story).contains("model from storage: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));

        // the same from a link, whose address a stored model chosen from the note takes out: a
        // reload would start the link's failing download again
        story.open(site.root.url(), case03("http://127.0.0.1:9/stories15M.bin", "http://127.0.0.1:9/tokenizer.bin",
                "autostart", "1"));
        story.waitForState("error", "done");
        story.waitUntil("() => document.querySelector(\"#store-note button[data-model='local-260K']\") !== null", null);
        story.page.click("#store-note button[data-model='local-260K']");
        story.waitForState("done", "error");
        assertGolden(story);
        assertFalse(story.address().contains("?"), story.address());
    }

    /**
     * Offline, a model served with the page needs its server as much as any other: unless it is
     * stored, it is not offered after a failed load (it was, as needing no download). Playwright's
     * offline cuts this machine's server too, as a remote host is cut.
     */
    @Test
    void offlineTheBundledModelIsOfferedOnlyOnceStored() {
        StoryPage story = newStory();
        story.open(site.root.url(), Map.of());
        // a visit later: the site's files kept, and the page and its worker served them from there
        // (the first page's worker may still be downloading teallama.wasm when the network goes)
        waitFor(story, "navigator.serviceWorker.controller !== null");
        story.page.reload();
        waitFor(story, "navigator.serviceWorker.controller !== null");
        story.page.context().setOffline(true);
        startUnreachableModel(story);
        story.waitUntil("() => !document.getElementById('store-note').hasAttribute('aria-busy')", null);
        assertTrue(story.page.isHidden("#store-note"), story.page.textContent("#store-note"));

        story.page.context().setOffline(false);
        story.page.click("#start");
        story.waitForState("error", "done");
        story.waitUntil("() => !document.getElementById('store-note').hasAttribute('aria-busy')", null);
        assertEquals("These models need no download: stories260K (with this page)", story.page.textContent("#store-note"));
    }

    /** Starts a story of a model at an address no one answers at (models.invalid), and waits for its end. */
    static void startUnreachableModel(StoryPage story) {
        story.page.selectOption("#model", "url");
        story.page.fill("#model-url", "https://models.invalid/stories15M.bin");
        story.page.fill("#tokenizer-url", "https://models.invalid/tokenizer.bin");
        story.page.click("#start");
        story.waitForState("error", "done");
    }

    // ----------------------------------------------------------------------------
    // the service worker on a host that sends no headers

    /**
     * GitHub Pages sends no COOP or COEP: the page registers its service worker, reloads once
     * when the worker takes it over, and is then cross-origin isolated, with the server's
     * policies, and tells the golden story on two threads; a link's story waits for that reload.
     * Reloaded, the link's story reads the model from the store, on two threads again, and so
     * it does offline, once the host is gone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/", TestSite.SUB_PATH})
    void theServiceWorkerIsolatesAPageFromAHostWithoutHeadersForTwoThreads(String basePath) {
        try (StaticHost host = new StaticHost(sitePath, basePath, false)) {
            AtomicInteger navigations = new AtomicInteger();
            StoryPage story = newStory(navigations);
            story.open(host.url(), case03("models/stories260K.bin", "models/tok512.bin", "threads", "2", "autostart", "1"));
            waitForEnd(story);
            assertGolden(story);
            assertEquals(2, navigations.get(), "the first load and one reload");
            assertEquals(true, story.page.evaluate("crossOriginIsolated"));
            assertTrue(story.page.textContent("#shape").endsWith(" · 2 threads"), story.page.textContent("#shape"));
            assertEquals(1, host.requests("models/stories260K.bin"), "the story began after the reload, not before");
            assertEquals(SecurityHeaders.PAGE_HEADER_POLICY,
                    story.page.evaluate("fetch('index.html').then((r) => r.headers.get('Content-Security-Policy'))"));
            assertEquals(SecurityHeaders.WORKER_POLICY,
                    story.page.evaluate("fetch('worker.js').then((r) => r.headers.get('Content-Security-Policy'))"));
            assertEquals("404 null", story.page.evaluate(
                    "fetch('favicon.ico').then((r) => r.status + ' ' + r.headers.get('Content-Security-Policy'))"),
                    "what is not the build's passes the service worker by, as the host sends it");

            story.page.reload();
            waitFor(story, "document.readyState === 'complete'");
            story.page.waitForTimeout(500);
            assertEquals(3, navigations.get(), "no reload of its own");
            assertEquals(true, story.page.evaluate("crossOriginIsolated"));

            // the link's story again, after the reload: the store feeds both threads, and the model is not asked for
            waitForEnd(story);
            assertGolden(story);
            assertTrue(progressSeen(story).contains("model from storage: 1.0 MB of 1.0 MB (100%)"), progressSeen(story));
            assertTrue(story.page.textContent("#shape").endsWith(" · 2 threads"), story.page.textContent("#shape"));
            assertEquals(1, host.requests("models/stories260K.bin"), "read from the store");

            // with the host gone and the network cut: the page from the service worker, isolated, the story from the store
            host.close();
            story.page.context().setOffline(true);
            story.page.reload();
            waitForEnd(story);
            assertGolden(story);
            assertEquals(true, story.page.evaluate("crossOriginIsolated"));
            assertTrue(story.page.textContent("#shape").endsWith(" · 2 threads"), story.page.textContent("#shape"));
        }
    }

    /**
     * On the first visit to a host without headers, a story started at once (here: its model
     * arrives slowly) is not cut off by the reload for isolation, nor wiped out once told: the page
     * runs it on one thread, and the next load is isolated.
     */
    @Test
    void theFirstVisitDoesNotReloadUnderAStory() {
        try (StaticHost host = new StaticHost(sitePath, "/", false)) {
            AtomicInteger navigations = new AtomicInteger();
            StoryPage story = newStory(navigations);
            // Start as soon as the page can, once in the tab: most often long before the worker has
            // cached the site, but where the worker is quicker, the page reloads before the click,
            // as it may while nobody has used it
            story.page.context().addInitScript("document.addEventListener('DOMContentLoaded', () => {"
                    + " if (sessionStorage.getItem('startClickedIn') !== null) return;"
                    + " sessionStorage.setItem('startClickedIn', String(performance.timeOrigin));"
                    + " document.getElementById('start').click(); })");
            story.open(host.url(), case03("models/slow/stories260K.bin", "models/tok512.bin"));
            waitForEnd(story);
            assertGolden(story);
            waitFor(story, "navigator.serviceWorker.controller !== null");
            story.page.waitForTimeout(500);
            assertEquals(true, story.page.evaluate(
                    "sessionStorage.getItem('startClickedIn') === String(performance.timeOrigin)"),
                    "no reload under the story (" + navigations.get() + " navigations)");

            story.page.reload();
            waitFor(story, "document.readyState === 'complete' && navigator.serviceWorker.controller !== null");
            assertEquals(true, story.page.evaluate("crossOriginIsolated"));
        }
    }

    /**
     * On a page its host isolates, the service worker only keeps the site for use offline: the
     * page registers it once no model loads and no story runs, so that its first install does not
     * take the cores from a story started with the page. Then it keeps the site as before.
     */
    @Test
    void onAnIsolatedPageTheWorkerIsRegisteredOnceTheStoryEnds() {
        try (SlowServer slow = new SlowServer(400)) {
            StoryPage story = newStory();
            story.open(site.root.url(), case03(slow.url(true, "stories260K.bin"), site.root.url() + "models/tok512.bin",
                    "autostart", "1"));
            story.waitForState("loading");
            story.page.waitForTimeout(1000); // of the download's 2.8 s
            assertEquals("loading", story.state(), story.status());
            assertEquals(true, story.page.evaluate("crossOriginIsolated"));
            assertEquals(true, story.page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r === undefined)"),
                    "no service worker while the model loads");
            waitForEnd(story);
            assertGolden(story);
            waitFor(story, "navigator.serviceWorker.controller !== null");
        }
    }

    /** bench.html opened to start where it cannot run keeps the site all the same: no story will end there. */
    @Test
    void aBenchmarkThatCannotRunHereStillKeepsTheSite() {
        StoryPage story = newStory();
        story.page.addInitScript("WebAssembly.validate = () => false;");
        story.page.navigate(site.root.url() + "bench.html?model=260K&autostart=1");
        story.waitUntil("() => document.getElementById('bench').dataset.state === 'unsupported'", null);
        assertTrue(story.page.isDisabled("#start"));
        story.waitUntil("() => navigator.serviceWorker.getRegistration().then((r) => r !== undefined)", null);
    }

    /** Where the worker's answers cannot make the page isolated, it reloads once, never again, and runs one thread. */
    @Test
    void aPageTheWorkerCannotIsolateReloadsOnceAndRunsOneThread() {
        try (StaticHost host = new StaticHost(sitePath, "/", true)) {
            AtomicInteger navigations = new AtomicInteger();
            StoryPage story = newStory(navigations);
            story.open(host.url(), case03("models/stories260K.bin", "models/tok512.bin", "threads", "2", "autostart", "1"));
            waitForEnd(story);
            assertGolden(story);
            story.page.waitForTimeout(500);
            assertEquals(2, navigations.get(), "one reload, no loop");
            assertEquals(false, story.page.evaluate("crossOriginIsolated"));
            assertEquals(true, story.page.evaluate("navigator.serviceWorker.controller !== null"));
            assertTrue(story.page.textContent("#shape").endsWith(" · one thread"), story.page.textContent("#shape"));
        }
    }

    /**
     * A new build on the host (a changed file, its manifest written again): the next visit of a
     * page nobody has used installs it, switches to it with one reload, deletes the old build's
     * cache and then stays.
     */
    @Test
    void aNewBuildReplacesTheOldOneWithOneReload() throws IOException {
        Path copy = TestSite.copyOfSite();
        try (StaticHost host = new StaticHost(copy, "/", false)) {
            AtomicInteger navigations = new AtomicInteger();
            StoryPage story = newStory(navigations);
            story.open(host.url(), Map.of());
            waitFor(story, "crossOriginIsolated");
            untilTheServiceWorkerIsCheckedForUpdates(story);
            String oldCaches = siteCaches(story);
            assertTrue(oldCaches.matches("teallama-site / [0-9a-f]{16}"), oldCaches);

            Files.writeString(copy.resolve("style.css"), "\n/* the next build */\n", StandardOpenOption.APPEND);
            SiteManifest.main(new String[] {copy.toString()});
            story.page.reload();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (siteCaches(story).equals(oldCaches) || siteCaches(story).contains(",")) {
                assertTrue(System.nanoTime() < end, "the new build never replaced " + oldCaches + ": " + siteCaches(story));
                story.page.waitForTimeout(50);
            }
            waitFor(story, "crossOriginIsolated && navigator.serviceWorker.controller !== null");
            story.page.waitForTimeout(500);
            assertEquals(4, navigations.get(), "the first visit, its reload for isolation, ours, and one for the new build");
            assertTrue(String.valueOf(story.page.evaluate("fetch('style.css').then((r) => r.text())"))
                    .endsWith("/* the next build */\n"));
        }
    }

    /**
     * A new build found by a page nobody has used, while another tab of the site is open (here
     * after a story): the new build waits, so that the other tab's files are not replaced under
     * it, and both offer to reload; a Reload switches both (and reloads the one clicked).
     */
    @Test
    void aNewBuildWaitsWhileAnotherTabIsOpen() throws IOException {
        Path copy = TestSite.copyOfSite();
        try (StaticHost host = new StaticHost(copy, "/", false)) {
            StoryPage used = newStory();
            used.open(host.url(), case03("models/stories260K.bin", "models/tok512.bin", "autostart", "1"));
            waitForEnd(used);
            assertGolden(used);
            waitFor(used, "crossOriginIsolated");

            Files.writeString(copy.resolve("style.css"), "\n/* the next build */\n", StandardOpenOption.APPEND);
            SiteManifest.main(new String[] {copy.toString()});
            StoryPage fresh = new StoryPage(watchedPage(used.page.context()));
            fresh.open(host.url(), Map.of());
            waitFor(used, "document.getElementById('update-notice') !== null");
            assertTrue(!String.valueOf(used.page.evaluate("fetch('style.css').then((r) => r.text())"))
                    .endsWith("/* the next build */\n"), "the tab in use keeps its build");
            assertEquals("A new version of Teallama is ready. Reload", used.page.textContent("#update-notice"));
            waitFor(fresh, "document.getElementById('update-notice') !== null");
            assertEquals("A new version of Teallama is ready. Reload", fresh.page.textContent("#update-notice"));

            fresh.page.click("#update-notice button");
            waitFor(fresh, "crossOriginIsolated && document.getElementById('update-notice') === null");
            assertTrue(String.valueOf(fresh.page.evaluate("fetch('style.css').then((r) => r.text())"))
                    .endsWith("/* the next build */\n"));
            assertTrue(String.valueOf(used.page.evaluate("fetch('style.css').then((r) => r.text())"))
                    .endsWith("/* the next build */\n"), "the Reload of one tab switched both");
            // the other tab's Reload, offered for a build that has taken over since, still reloads it
            AtomicInteger navigations = new AtomicInteger();
            used.page.onFrameNavigated(frame -> navigations.incrementAndGet());
            used.page.click("#update-notice button");
            waitFor(used, "crossOriginIsolated && document.getElementById('update-notice') === null");
            assertEquals(1, navigations.get());
        }
    }

    /**
     * Waits until the page has loaded and registered its service worker, and the browser has
     * checked for a new one since: a new build written before may be found by that check, whose
     * page takes the new build, and reloads, while the test's reload of it is under way. Firefox
     * then ended the old worker in the middle of answering the test's reload ("A ServiceWorker
     * intercepted the request and encountered an unexpected error"). The browser checks a
     * registration's updates one after another, so the check asked for here comes after the
     * page's, which an isolated page starts when it has loaded (see whenIdle in offline.js).
     */
    private static void untilTheServiceWorkerIsCheckedForUpdates(StoryPage story) {
        story.page.evaluate("""
                () => new Promise((loaded) => document.readyState === 'complete'
                    ? loaded() : addEventListener('load', loaded, { once: true }))
                  .then(() => navigator.serviceWorker.getRegistration())
                  .then((registration) => registration.update())""");
    }

    /** The names of the site's caches, comma-separated (a page that is reloading answers after it). */
    private static String siteCaches(StoryPage story) {
        for (int attempt = 0; ; attempt++) {
            try {
                return String.valueOf(story.page.evaluate(
                        "caches.keys().then((names) => names.filter((n) => n.startsWith('teallama-site')).join(','))"));
            } catch (PlaywrightException e) {
                if (attempt > 100) {
                    throw e;
                }
                story.page.waitForTimeout(25);
            }
        }
    }

    // ----------------------------------------------------------------------------
    // the offline demo kit

    /** java -jar web/target/teallama-web.jar kit DIR with stories260K and an int8 model, once for all tests. */
    static synchronized Path kit(Path sitePath) throws IOException, InterruptedException {
        if (kit == null) {
            String tok512 = Shared.model("tok512.bin").toString();
            kit = writeKit(sitePath, "--model", Shared.model("stories260K.bin").toString(), "--tokenizer", tok512,
                    "--model", Shared.model("random-mini-q80.bin").toString(), "--tokenizer", tok512);
        }
        return kit;
    }

    /** java -jar web/target/teallama-web.jar kit DIR with these --model and --tokenizer arguments: DIR. */
    static Path writeKit(Path sitePath, String... models) throws IOException, InterruptedException {
        Path out = Files.createTempDirectory(Path.of(System.getProperty("teallama.work", "target/e2e")), "kit-");
        Path jar = sitePath.resolveSibling("teallama-web.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "kit", out.toString(), "--site", sitePath.toString()));
        command.addAll(List.of(models));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), said);
        return out;
    }

    /**
     * A kit served by a plain static host (no headers of its own) lists its models first, as
     * served with the page, and tells a story, then offline too.
     */
    @Test
    void aDemoKitOnAStaticHostListsItsModelsAndTellsAStoryOffline() throws Exception {
        StaticHost kitServer = new StaticHost(kit(sitePath), "/", false);
        try {
            StoryPage story = newStory();
            story.open(kitServer.url(), Map.of());
            // the first visit reloads once, when the service worker takes the page over
            waitFor(story, "crossOriginIsolated && document.querySelector('#model optgroup option').value === 'local-stories260K'");
            assertEquals("With this page", story.page.getAttribute("#model optgroup", "label"));
            assertEquals(List.of("stories260K · 1.0 MB", "random-mini-q80 · 479 KB"),
                    story.page.locator("#model optgroup:first-child option").allTextContents());
            assertEquals(0, story.page.locator("#model option[value='local-260K']").count(), "the kit's models only");

            story.open(kitServer.url(), case03("local-stories260K", null, "autostart", "1"));
            waitForEnd(story);
            assertGolden(story);
            waitFor(story, "navigator.serviceWorker.controller !== null");
            waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");

            kitServer.close();
            story.page.context().setOffline(true);
            story.page.reload();
            waitForEnd(story);
            assertGolden(story);
            assertEquals("local-stories260K", story.page.inputValue("#model"));
            assertEquals(List.of("stories260K · 1.0 MB · stored, works offline", "random-mini-q80 · 479 KB"),
                    story.page.locator("#model optgroup:first-child option").allTextContents());
        } finally {
            kitServer.close();
        }
    }

    /** Files whose names an address must escape ("#" and "?", fine on Linux) make a kit the page lists and runs. */
    @Test
    void aDemoKitOfFilesWithNamesToEscapeTellsTheirStory() throws Exception {
        Path odd = Files.createTempDirectory(Path.of(System.getProperty("teallama.work", "target/e2e")), "odd-");
        Path model = Files.copy(Shared.model("stories260K.bin"), odd.resolve("tiny #1?.bin"));
        Path tokenizer = Files.copy(Shared.model("tok512.bin"), odd.resolve("tok#512.bin"));
        Path oddKit = writeKit(sitePath, "--model", model.toString(), "--tokenizer", tokenizer.toString());
        try (StaticHost kitServer = new StaticHost(oddKit, "/", false)) {
            StoryPage story = newStory();
            story.open(kitServer.url(), case03("local-tiny #1?", null, "autostart", "1"));
            waitForEnd(story);
            assertGolden(story);
            waitFor(story, "document.querySelector('#model optgroup option').textContent.endsWith('offline')");
            assertEquals("tiny #1? · 1.0 MB · stored, works offline", story.page.textContent("#model optgroup option"));
            assertTrue(story.page.locator("#notice").isHidden(), story.page.textContent("#notice"));
        }
    }
}

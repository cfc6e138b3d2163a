package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Route;
import org.junit.jupiter.api.Test;

import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;
import teallama.Shared;

/** The page split over several workers tells run.c's stories byte for byte; subclasses name the browser. */
abstract class ThreadsTest extends PagesTest {

    /**
     * After a shard worker fails (here between two stories, as the page would hear it), the next
     * story loads the model again, on new shard workers, and tells the golden story: the failed
     * meeting is not used again.
     */
    @Test
    void afterAShardWorkerFailsTheNextStoryLoadsTheModelAgain() {
        Case c = GoldenGenerateTest.cases().get(0);
        StoryPage story = desktop();
        keepShardSetsAsked(story);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "2", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.page.evaluate("worker.postMessage({type: 'shard failed', set: window.shardSetsAsked.at(-1), "
                + "message: 'a shard worker failed (a test said so)'})");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        assertTrue(story.page.textContent("#shape").endsWith(" · 2 threads"), story.page.textContent("#shape"));
    }

    /**
     * A story on fewer threads ends the shard workers it does not use: kept, each held its
     * WebAssembly module and its shard of the last model (15 of them after a story on 16 threads)
     * for as long as the page was open.
     */
    @Test
    void aStoryOnOneThreadEndsTheShardWorkersOfTheStoryBefore() {
        Case c = GoldenGenerateTest.cases().get(2);
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "3", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(3, story.page.workers().size(), "worker.js and two shard workers");

        story.page.selectOption("#threads", "1");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        waitForWorkers(story, 1);

        story.page.selectOption("#threads", "4");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        assertEquals(4, story.page.workers().size());
        story.page.selectOption("#threads", "auto"); // stories260K is worth one thread
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        waitForWorkers(story, 1);
    }

    /**
     * A shard worker that ends mid-story without a word (killed; here the page terminates it) ends
     * the story rather than leaving it hung: in Firefox, worker.js waited for it at a meeting for
     * good and never heard Stop; in Chromium, which let it finish the story, the next Start waited
     * for good for its answer. The next Start loads the model again on new workers and tells the
     * golden story. The worker is killed as it takes its lock for the story, which it holds until
     * the story ends, where worker.js cannot go on without it: killed after the story's 50th
     * token, it was sometimes killed after the story, as stories260K's end by themselves within a
     * few hundred tokens (seed 1's after 339), and then it was a worker killed between stories.
     */
    @Test
    void aShardWorkerKilledMidStoryEndsTheStoryAndTheNextStartRecovers() {
        StoryPage story = desktop();
        killTheFirstShardWorkerAsItTakesTheStory(story);
        story.open(site.root.url(), StoryPage.stories260K("temperature", "1", "seed", "1", "keep", "256",
                "steps", "100000", "threads", "3", "autostart", "1"));
        story.page.waitForFunction("() => window.shardWorkerKilled === true");
        story.page.evaluate("() => { const stop = document.getElementById('stop'); if (!stop.disabled) stop.click(); }");
        story.waitForState("stopped", "error", "done");
        waitForWorkers(story, 2);

        Case c = fillGoldenCase(story, 6);
        startAgainForTheGoldenStory(story, c, 3);
        assertTrue(story.page.textContent("#shape").endsWith(" · 3 threads"), story.page.textContent("#shape"));
    }

    /**
     * worker.js holds a lock while it loads or tells a story, as the shard workers do: killed
     * without a word in the middle of a story, at the page's first tokens (as a browser might end
     * it; the page's own terminate lets the lock go unwatched), the story ends with an error where
     * the page said "Writing…" for good, and the next Start loads the model again, on a new
     * worker, and tells the golden story.
     */
    @Test
    void theStoryWorkerKilledMidStoryEndsItAndTheNextStartRecovers() {
        StoryPage story = desktop();
        killTheFirstStoryWorkerAt(story, "tokens");
        story.open(site.root.url(), StoryPage.stories260K("temperature", "1", "seed", "1", "keep", "256",
                "steps", "100000", "threads", "2", "autostart", "1"));
        story.waitForState("error", "done", "stopped");
        assertEquals("error", story.state(), story.status());
        assertEquals(Boolean.TRUE, story.page.evaluate("() => window.storyWorkerKilled === true"));
        assertTrue(story.status().contains("The page's worker ended before the story did; Start loads the model again "
                + "on a new worker."), story.status());

        startAgainForTheGoldenStory(story, fillGoldenCase(story, 6), 2);
    }

    /**
     * worker.js killed as the page hears that its story is done, before it has let go of the
     * story's lock (it asks the page to stop watching the lock just after): the page gets the
     * lock, but the story was told whole, and stands as it was, where the page said "The page's
     * worker ended before the story did" over it; the inspector says its candidates' words went with
     * the worker, where it showed them as coming for good. The next Start loads the model on a new
     * worker.
     */
    @Test
    void theStoryWorkerKilledAsItsStoryEndsLeavesTheStoryAsItWasTold() {
        StoryPage story = desktop();
        killTheFirstStoryWorkerAt(story, "done");
        Case c = GoldenGenerateTest.cases().get(0);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "2", "autostart", "1"));
        story.waitForState("done", "error");
        String told = story.status();
        story.waitUntil("() => window.storyWorkersMade.length === 2", null); // the page replaced the worker
        assertEquals("done", story.state(), story.status());
        assertEquals(told, story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        // the candidates' words went with the worker's tokenizer: the inspector says so, where it
        // showed them as coming for good
        story.page.hover(InspectorPageTest.generated(3));
        story.waitUntil("() => document.querySelector('#inspector tr[data-token]') !== null", null);
        String inspector = story.page.textContent("#inspector");
        assertTrue(inspector.contains("The words of candidates shown as ? went with the page's worker, which ended "
                + "after this story"), inspector);
        assertEquals(0, story.page.locator("#inspector [data-pending]").count(), inspector);

        startAgainForTheGoldenStory(story, c, 2);
    }

    /**
     * worker.js holds no lock between stories: killed then, it is heard as silence, its lock of
     * the next start not taken within 10 s, and the Start after that recovers. The 10 s pass on
     * the page's clock, which the test moves on (Playwright's clock), as no worker is there to
     * care.
     */
    @Test
    void theStoryWorkerKilledBetweenStoriesEndsTheNextOneAndTheStartAfterRecovers() {
        StoryPage story = desktop();
        keepStoryWorkersMade(story);
        killBetweenStoriesThenRecover(story, 2, "() => Worker.prototype.terminate.call(window.storyWorkersMade[0])",
                "The page's worker did not answer within 10 s, as one that ended since the last story does; Start "
                        + "loads the model again on a new worker.", true);
    }

    /**
     * Tells golden case 0 on this many threads, runs kill in the page, then expects the next Start
     * to end in an error that says error, and the Start after it to tell the story again. With
     * hurried, the page's clock is Playwright's, moved on a second each 50 ms until then.
     */
    private void killBetweenStoriesThenRecover(StoryPage story, int threads, String kill, String error, boolean hurried) {
        if (hurried) {
            story.page.clock().install();
        }
        Case c = GoldenGenerateTest.cases().get(0);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", String.valueOf(threads),
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.page.evaluate(kill);

        story.page.click("#start");
        for (int second = 0; hurried && second < 30 && !List.of("error", "done").contains(story.state()); second++) {
            story.page.clock().fastForward(1000);
            story.page.waitForTimeout(50);
        }
        story.waitForState("error", "done");
        assertEquals("error", story.state(), story.status());
        assertTrue(story.status().contains(error), story.status());
        startAgainForTheGoldenStory(story, c, threads);
    }

    /** Fills the page's settings with golden case number's, keeping nothing, and returns the case. */
    private static Case fillGoldenCase(StoryPage story, int number) {
        Case c = GoldenGenerateTest.cases().get(number);
        Map<String, String> fields = StoryPage.goldenCaseFields(c);
        fields.put("#keep", "0");
        story.setFields(fields);
        return c;
    }

    /** Start tells case c's golden story, after which the page runs this many workers. */
    private static void startAgainForTheGoldenStory(StoryPage story, Case c, int workers) {
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        waitForWorkers(story, workers);
    }

    /**
     * A shard worker that ends between two stories, when it holds no lock to tell the page, is
     * heard as silence: the next story ends with an error within seconds, where Start waited for
     * it for good, and the Start after it loads the model again on new workers. The 5 s of that
     * wait (shard-workers.js's SERVE_ANSWER_MS) last 1 s.
     */
    @Test
    void aShardWorkerKilledBetweenStoriesEndsTheNextOneAndTheStartAfterRecovers() {
        StoryPage story = desktop();
        keepShardWorkersMade(story);
        shortenWorkerWaits(story, 5000, 1000);
        killBetweenStoriesThenRecover(story, 3, "() => window.shardWorkersMade[0].terminate()",
                "a shard worker did not answer within 5 s, as one that ended between stories does; the next Start "
                        + "loads the model again on new workers", false);
    }

    /**
     * A shard worker that does not start (here its script is not found, as a load cut short
     * would leave it) is started again, once: the story runs on its threads. Where the second
     * does not start either, the story ends with an error that says so, not hung at "Loading",
     * and the Start after that, with the script back, tells the golden story.
     */
    @Test
    void aShardWorkerThatDoesNotStartIsStartedAgainAndOneThatNeverStartsIsAnError() {
        StoryPage story = desktop();
        // Firefox reports a worker script it could not load as an uncaught error
        expectPageErrors((error) -> error.contains("no-such-shard.js"));
        replaceShardScripts(story, 1, "no-such-shard.js");
        Case c = GoldenGenerateTest.cases().get(0);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "3", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        assertEquals(0, ((Number) story.page.evaluate("window.shardScriptsToMiss")).intValue(), "one script missed");
        assertEquals("Threads: running on 3 threads.", story.page.textContent("#threads-hint"));

        story.page.evaluate("() => { window.shardScriptsToMiss = 1000; }");
        story.page.selectOption("#threads", "2");
        story.page.click("#start");
        story.waitForState("error", "done");
        assertEquals("error", story.state(), story.status());
        assertTrue(story.status().startsWith("a shard worker did not start: "), story.status());
        assertTrue(story.status().endsWith("; the next Start loads the model again on new workers"), story.status());
        assertEquals(998, ((Number) story.page.evaluate("window.shardScriptsToMiss")).intValue(), "two tries");

        story.page.evaluate("() => { window.shardScriptsToMiss = 0; }");
        startAgainForTheGoldenStory(story, c, 2);
    }

    /**
     * A shard worker that never says a word (here its script is one that does not, meeting.js) is
     * replaced after 10 s, and the story runs; Stop, pressed while the page waits for such
     * workers, stops the load at once, where it waited out both tries. The 10 s pass on the
     * page's clock (Playwright's), moved on once the silent worker is made and worker.js's lock
     * of the start is watched, so that only the shard workers' wait has it to run out.
     */
    @Test
    void aSilentShardWorkerIsReplacedAndStopDoesNotWaitForIt() {
        StoryPage story = desktop();
        story.page.clock().install();
        replaceShardScripts(story, 1000, "meeting.js");
        keepStoryWorkersMade(story);
        story.page.addInitScript("""
                window.storyLocksWatched = 0;
                window.onStoryWorkerMade = (worker) => worker.addEventListener('message', (event) => {
                  if (event.data.type === 'watch') window.storyLocksWatched++;
                });""");
        Case c = GoldenGenerateTest.cases().get(0);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "2", "autostart", "1"));
        story.waitUntil("() => window.shardScriptsToMiss < 1000", null);
        story.page.waitForTimeout(500);
        long stop = System.nanoTime();
        story.page.click("#stop");
        story.waitForState("stopped", "error", "done");
        assertEquals("stopped", story.state(), story.status());
        assertTrue(System.nanoTime() - stop < 5_000_000_000L, (System.nanoTime() - stop) / 1_000_000 + " ms to stop");

        story.page.evaluate("() => { window.shardScriptsToMiss = 1; window.storyLocksWatched = 0; }");
        story.page.click("#start");
        story.waitUntil("() => window.shardScriptsToMiss === 0 && window.storyLocksWatched > 0", null);
        story.page.clock().fastForward(10_000);
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        waitForWorkers(story, 2);
        assertEquals(0, ((Number) story.page.evaluate("window.shardScriptsToMiss")).intValue(), "one silent worker");
    }

    /**
     * News of a shard worker of a set that worker.js has left (here an error of one, heard as the
     * page is asked for a new set, for a story on other threads) is not the new set's: the story
     * runs, where worker.js took it for a failure of the shard workers it was waiting for.
     */
    @Test
    void aFailureOfALeftSetOfShardWorkersDoesNotEndTheNewSetsStory() {
        StoryPage story = desktop();
        keepShardWorkersMade(story);
        keepStoryWorkersMade(story);
        story.page.addInitScript("""
                window.shardSetsAsked = 0;
                window.onStoryWorkerMade = (worker) => {
                  worker.addEventListener('message', (event) => {
                    if (event.data.type === 'shards' && ++window.shardSetsAsked === 2) {
                      window.shardWorkersMade[0].dispatchEvent(new Event('error'));
                    }
                  });
                };""");
        Case c = GoldenGenerateTest.cases().get(0);
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "threads", "3", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.page.selectOption("#threads", "2");
        startAgainForTheGoldenStory(story, c, 2);
    }

    /**
     * Back, after a story on two threads and a visit elsewhere, shows the page as it was, story and
     * all, from the browser's back/forward cache: Firefox keeps no page there whose workers hold a
     * Web Lock, and each shard worker held one for as long as it lived, so the page loaded anew.
     * It leaves once the service worker has taken the page over: on a first visit the page
     * registers it when the story ends, and Chromium drops a page from that cache when a worker
     * claims it there.
     */
    @Test
    void backAfterAStoryOnTwoThreadsShowsThePageAsItWas() {
        StoryPage story = desktopKeptForBack();
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "40", "threads", "2",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.waitUntil("() => navigator.serviceWorker.controller !== null", null);
        String told = story.output();
        String address = story.page.url();
        story.page.evaluate("() => { window.keptForBack = true; }");
        story.page.navigate(site.root.url() + "bench.html");
        story.page.evaluate("() => history.back()");
        long end = System.nanoTime() + 10_000_000_000L;
        // the document's own address: Playwright's page.url() in Firefox stays at the page left
        while (!(address + " complete").equals(whereAndHowFar(story))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("Back did not return to " + address + ": at " + whereAndHowFar(story));
            }
            story.page.waitForTimeout(50);
        }
        assertEquals(Boolean.TRUE, story.page.evaluate("() => window.keptForBack === true"),
                "the page was loaded anew, not kept for Back");
        assertEquals(told, story.output());
    }

    /** The document's address and readyState, or null while a navigation replaces it. */
    private static String whereAndHowFar(StoryPage story) {
        try {
            return (String) story.page.evaluate("() => location.href + ' ' + document.readyState");
        } catch (com.microsoft.playwright.PlaywrightException e) {
            return null;
        }
    }

    /**
     * Terminates the page's first worker.js without a word (past the page's own terminate, which
     * lets its lock go unwatched) as the page hears its first message of this type, before the page
     * handles it, and sets window.storyWorkerKilled.
     */
    private static void killTheFirstStoryWorkerAt(StoryPage story, String type) {
        keepStoryWorkersMade(story);
        story.page.addInitScript(String.format("""
                window.onStoryWorkerMade = (worker) => {
                  if (window.storyWorkersMade.length !== 1) return;
                  worker.addEventListener('message', (event) => {
                    if (event.data.type === '%s' && !window.storyWorkerKilled) {
                      Worker.prototype.terminate.call(worker);
                      window.storyWorkerKilled = true;
                    }
                  });
                };""", type));
    }

    /**
     * Keeps each worker.js the page makes in window.storyWorkersMade, and hands it as it is made
     * to window.onStoryWorkerMade, if a test has set one.
     */
    static void keepStoryWorkersMade(StoryPage story) {
        keepWorkersMade(story, "worker.js", "storyWorkersMade", "onStoryWorkerMade");
    }

    /**
     * Keeps each shard worker the page makes in window.shardWorkersMade, so that a test can kill
     * one, and hands it as it is made to window.onShardWorkerMade, if a test has set one.
     */
    private static void keepShardWorkersMade(StoryPage story) {
        keepWorkersMade(story, "shard.js", "shardWorkersMade", "onShardWorkerMade");
    }

    /**
     * Makes the page's next shard workers, as many as window.shardScriptsToMiss (misses, to begin
     * with), run script instead of shard.js.
     */
    private static void replaceShardScripts(StoryPage story, int misses, String script) {
        story.page.addInitScript(String.format("""
                (() => {
                  const PageWorker = Worker;
                  window.shardScriptsToMiss = %d;
                  window.Worker = function (url, options) {
                    if (String(url).includes('shard.js') && window.shardScriptsToMiss > 0) {
                      window.shardScriptsToMiss--;
                      url = '%s';
                    }
                    return new PageWorker(url, options);
                  };
                  window.Worker.prototype = PageWorker.prototype;
                })();""", misses, script));
    }

    /** Makes worker.js's waits of ms last instead (see {@link StoryPage#shortWaits}). */
    private static void shortenWorkerWaits(StoryPage story, int ms, int instead) {
        story.page.route("**/worker.js", (route) -> {
            APIResponse response = route.fetch();
            route.fulfill(new Route.FulfillOptions().setResponse(response)
                    .setBody(StoryPage.beforeWorkerScript(StoryPage.shortWaits(ms, instead), response.text())));
        });
    }

    /** Keeps the numbers of the sets of shard workers that worker.js asks the page for in window.shardSetsAsked. */
    private static void keepShardSetsAsked(StoryPage story) {
        keepStoryWorkersMade(story);
        story.page.addInitScript("""
                window.shardSetsAsked = [];
                window.onStoryWorkerMade = (worker) => worker.addEventListener('message', (event) => {
                  if (event.data.type === 'shards') window.shardSetsAsked.push(event.data.set);
                });""");
    }

    /** Keeps each worker of script the page makes in window[kept], handing it to window[onMade] if set. */
    private static void keepWorkersMade(StoryPage story, String script, String kept, String onMade) {
        story.page.addInitScript(String.format("""
                (() => {
                  const PageWorker = Worker;
                  window.%2$s = [];
                  window.Worker = function (url, options) {
                    const worker = new PageWorker(url, options);
                    if (String(url).includes('%1$s')) {
                      window.%2$s.push(worker);
                      if (window.%3$s) window.%3$s(worker);
                    }
                    return worker;
                  };
                  window.Worker.prototype = PageWorker.prototype;
                })();""", script, kept, onMade));
    }

    /**
     * Terminates the page's first shard worker when it says it holds the lock of its second task,
     * the story (its first is the load; see task-lock.js), before the page has heard that
     * message, and sets window.shardWorkerKilled.
     */
    private static void killTheFirstShardWorkerAsItTakesTheStory(StoryPage story) {
        keepShardWorkersMade(story);
        story.page.addInitScript("""
                window.onShardWorkerMade = (worker) => {
                  if (window.shardWorkersMade.length !== 1) return;
                  let watches = 0;
                  worker.addEventListener('message', (event) => {
                    if (event.data.type === 'watch' && ++watches === 2) {
                      worker.terminate();
                      window.shardWorkerKilled = true;
                    }
                  });
                };""");
    }

    /** Waits until the page runs this many workers (a terminated one leaves the list when the browser says so). */
    static void waitForWorkers(StoryPage story, int count) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (story.page.workers().size() != count) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + count + " workers, found " + story.page.workers().size());
            }
            story.page.waitForTimeout(20);
        }
    }

    @Test
    void theServedPageIsCrossOriginIsolated() {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of());
        assertEquals(Boolean.TRUE, story.page.evaluate("crossOriginIsolated"));
    }

    /** runq's int8 golden text on 1 to 4 shards, from links opened one after the other in one tab. */
    @Test
    void int8OnOneToFourThreads() {
        String expected = new String(Shared.read(Shared.golden("q8/runq-t0.stdout")), StandardCharsets.UTF_8);
        StoryPage story = desktop();
        for (int threads = 1; threads <= 4; threads++) {
            story.open(site.root.url(), Map.of("model", "models/random-mini-q80.bin", "tokenizer", "models/tok512.bin",
                    "prompt", "Once upon a time", "temperature", "0", "steps", "40", "threads", String.valueOf(threads),
                    "autostart", "1"));
            story.waitForState("done", "error");
            assertEquals("done", story.state(), story.status());
            assertEquals(expected, story.output() + "\n", threads + " threads");
            assertTrue(story.page.textContent("#shape").endsWith(threads == 1 ? " · one thread" : " · " + threads + " threads"),
                    story.page.textContent("#shape"));
        }
    }
}

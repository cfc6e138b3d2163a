package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The page from a plain static server on the local network ({@link PlainHost}), which is not a
 * secure context, and from such servers that answer as some do: scripts without their type,
 * HEAD refused.
 */
abstract class PlainHostPageTest extends PagesTest {
    private static final String UNTYPED = "The page's worker could not start: the server sends worker.js as "
            + "\"application/octet-stream\"; browsers run a worker only from JavaScript: serve the site's .js files "
            + "with Content-Type: text/javascript.";

    /**
     * Plain http from another machine: the story runs on one thread, and the page says once why,
     * and once why nothing is kept and the page needs its server.
     */
    @Test
    void plainHttpFromAnotherMachineTellsAStoryAndSaysOnceWhatItCannotDo() {
        try (PlainHost host = new PlainHost(TestSite.sitePath(), site.work.resolve("models"), Set.of())) {
            StoryPage story = desktop();
            story.open(host.url(), StoryPage.stories260K("threads", "2", "steps", "40", "temperature", "0"));
            story.page.click("#start");
            story.waitForState("done");
            String address = host.url().substring("http://".length(), host.url().length() - 1);
            String why = "browsers let workers share memory only on pages from https or localhost, and this one came "
                    + "over plain http from " + address;
            assertEquals("Threads: running on one thread: " + why + ".", story.page.textContent("#threads-hint"));
            assertTrue(story.page.textContent("#shape").endsWith(" · one thread"), story.page.textContent("#shape"));
            assertEquals("Models cannot be kept in this browser: browsers keep files only for pages from https or "
                    + "localhost, and this one came over plain http from " + address + ". Stories still run; each visit "
                    + "downloads its model again, and the page opens only while its server answers.",
                    story.page.textContent("#stored-summary"));
            assertTrue(story.page.isHidden("#store-note"), story.page.textContent("#store-note"));
            String text = story.page.innerText("body");
            assertEquals(2, text.split("plain http from", -1).length - 1, text);
        }
    }

    /** A worker that cannot start says why, and Start stays off rather than waiting for it for good. */
    @Test
    void scriptsSentWithoutTheirTypeAreNamedAndStartStaysOff() {
        try (PlainHost host = new PlainHost(TestSite.sitePath(), site.work.resolve("models"),
                Set.of(PlainHost.Quirk.SCRIPTS_UNTYPED))) {
            // Firefox reports the refused worker as an uncaught error, its own and not the page's
            StoryPage story = new StoryPage(newContext().newPage());
            List<String> errors = new ArrayList<>();
            story.page.onPageError(errors::add);
            story.open(host.url(), StoryPage.stories260K());
            story.waitForState("error");
            assertEquals(UNTYPED, story.status());
            assertTrue(story.page.isDisabled("#start"), "Start is off");

            story.page.navigate(host.url() + "bench.html");
            story.waitUntil("() => document.getElementById('bench').dataset.state === 'error'", null);
            assertEquals(UNTYPED, story.page.textContent("#status"));
            assertTrue(story.page.isDisabled("#start"), "Run is off");
            assertTrue(errors.stream().allMatch(error -> error.contains("blocked because of a disallowed MIME type")),
                    errors.toString());
        }
    }

    /** Offering the model served with the page asks the server whether it has it: a GET where HEAD is refused. */
    @Test
    void theBundledModelIsOfferedWhereTheServerRefusesHead() {
        try (PlainHost host = new PlainHost(TestSite.sitePath(), site.work.resolve("models"),
                Set.of(PlainHost.Quirk.NO_HEAD))) {
            StoryPage story = desktop();
            story.open(host.url(), Map.of("model", "models/missing.bin", "tokenizer", "models/tok512.bin",
                    "autostart", "1"));
            story.waitForState("error", "done");
            story.waitUntil("() => !document.getElementById('store-note').hasAttribute('aria-busy')", null);
            assertEquals("These models need no download: stories260K (with this page)",
                    story.page.textContent("#store-note"));
        }
    }
}

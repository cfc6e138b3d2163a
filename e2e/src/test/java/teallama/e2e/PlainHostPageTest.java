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

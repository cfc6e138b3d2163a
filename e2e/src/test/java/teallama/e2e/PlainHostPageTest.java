package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The page from a plain static server on the local network ({@link PlainHost}), which is not a
 * secure context, and from such servers that answer as some do: scripts without their type,
 * HEAD refused.
 */
abstract class PlainHostPageTest extends PagesTest {
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

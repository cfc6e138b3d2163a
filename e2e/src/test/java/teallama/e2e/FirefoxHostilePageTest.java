package teallama.e2e;

import java.util.Map;

import com.microsoft.playwright.Route;
import org.junit.jupiter.api.Test;

class FirefoxHostilePageTest extends HostilePageTest {
    @Override
    String browserName() {
        return "firefox";
    }

    /**
     * Firefox downloads a big model from the page's own server in pieces; when the file changes
     * between two of them (the server answers the second with the whole of a newer file), the
     * download ends.
     */
    @Test
    void aModelThatChangesWhileItDownloadsIsRefused() {
        StoryPage story = desktop();
        story.page.route("**/models/random15M.bin", route -> {
            String range = route.request().headers().get("range");
            if (range != null && !range.startsWith("bytes=0-")) {
                route.fulfill(new Route.FulfillOptions().setStatus(200).setBody("a newer file"));
            } else {
                route.resume();
            }
        });
        story.open(site.root.url(), Map.of("model", "models/random15M.bin", "tokenizer", "models/tokenizer.bin",
                "autostart", "1"));
        assertError(story, "random15M.bin: the download broke off after 16777216 of 60816028 bytes "
                + "(the file changed on the server while it downloaded; try again)");
        assertNextStoryRuns(story);
    }
}

package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;

class ChromiumStoryPageTest extends StoryPageTest {
    @Override
    String browserName() {
        return "chromium";
    }

    /**
     * A picture of the page mid-story for the README, e2e/target/e2e/screenshots/story.png.
     * The worker's messages are held once 90 tokens have come ({@link StoryPage#holdMessagesAfter})
     * until the picture is done.
     */
    @Test
    void screenshotMidStory() {
        story.open(site.root.url(), Map.of("model", "local-260K", "prompt", "Once upon a time", "temperature", "1",
                "seed", "2", "steps", "512"));
        story.holdMessagesAfter(90);
        story.page.click("#start");
        story.waitForTokens(90);
        assertEquals("generating", story.state());
        story.page.screenshot(new Page.ScreenshotOptions().setPath(site.screenshots().resolve("story.png"))
                .setFullPage(true));
        story.releaseMessages();
        story.waitForState("done");
    }
}

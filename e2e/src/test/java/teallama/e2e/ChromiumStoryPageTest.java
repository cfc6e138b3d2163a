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
     * stories260K writes faster than a screenshot is taken, so the page's message handler is
     * wrapped to hold the worker's messages once 90 tokens have come (the tokens past the 90th of a
     * message with them too) until the picture is done.
     */
    @Test
    void screenshotMidStory() {
        story.open(site.root.url(), Map.of("model", "local-260K", "prompt", "Once upon a time", "temperature", "1",
                "seed", "2", "steps", "512"));
        story.page.evaluate("() => {"
                + "  const deliver = worker.onmessage; let tokens = 0; window.heldMessages = [];"
                + "  worker.onmessage = (e) => {"
                + "    if (tokens >= 90) return window.heldMessages.push(e);"
                + "    if (e.data.type === 'tokens' && e.data.tokens.length > 90 - tokens) {"
                + "      window.heldMessages.push({ data: { type: 'tokens', tokens: e.data.tokens.slice(90 - tokens) } });"
                + "      e = { data: { type: 'tokens', tokens: e.data.tokens.slice(0, 90 - tokens) } };"
                + "    }"
                + "    if (e.data.type === 'tokens') tokens += e.data.tokens.length;"
                + "    deliver(e);"
                + "  };"
                + "  window.releaseMessages = () => { worker.onmessage = deliver; window.heldMessages.forEach(deliver); };"
                + "}");
        story.page.click("#start");
        story.waitForTokens(90);
        assertEquals("generating", story.state());
        story.page.screenshot(new Page.ScreenshotOptions().setPath(site.screenshots().resolve("story.png"))
                .setFullPage(true));
        story.page.evaluate("() => window.releaseMessages()");
        story.waitForState("done");
    }
}

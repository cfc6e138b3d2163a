package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ColorScheme;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pictures in docs/ and the README: the page mid-story at 1280x800 and 390x844, light and
 * dark, written to e2e/target/e2e/screenshots/page-WIDTH-SCHEME.png (copy them into docs/ by hand).
 * stories260K writes faster than a screenshot is taken, so the page's message handler is wrapped
 * to hold the worker's messages after the 90th token until the picture is done.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumScreenshotsTest {
    private Playwright playwright;
    private Browser browser;
    private TestSite site;

    @BeforeAll
    void launch() {
        site = TestSite.get();
        playwright = Browsers.playwright();
        browser = Browsers.launch(playwright, "chromium");
    }

    @AfterAll
    void close() {
        browser.close();
        playwright.close();
    }

    @ParameterizedTest
    @CsvSource({"1280, 800, LIGHT", "1280, 800, DARK", "390, 844, LIGHT", "390, 844, DARK"})
    void pageMidStory(int width, int height, ColorScheme scheme) throws Exception {
        Browser.NewContextOptions options = new Browser.NewContextOptions().setViewportSize(width, height)
                .setColorScheme(scheme);
        if (width < 640) {
            options.setIsMobile(true).setHasTouch(true).setDeviceScaleFactor(2);
        }
        try (BrowserContext context = browser.newContext(options)) {
            StoryPage story = new StoryPage(context.newPage());
            story.open(site.root.url(), Map.of("model", "local-260K", "prompt", "Once upon a time", "temperature", "1",
                    "seed", "2", "steps", "512"));
            story.page.evaluate("() => {"
                    + "  const deliver = worker.onmessage; let tokens = 0; window.heldMessages = [];"
                    + "  worker.onmessage = (e) => {"
                    + "    if (e.data.type === 'token') tokens++;"
                    + "    if (tokens > 90) window.heldMessages.push(e); else deliver(e);"
                    + "  };"
                    + "  window.releaseMessages = () => { worker.onmessage = deliver; window.heldMessages.forEach(deliver); };"
                    + "}");
            story.page.click("#start");
            story.waitForTokens(90);
            assertEquals("generating", story.state());
            story.page.waitForTimeout(600); // the smooth scroll that brings the story into view
            Path file = site.screenshots().resolve("page-" + width + "-" + scheme.name().toLowerCase() + ".png");
            story.page.screenshot(new Page.ScreenshotOptions().setPath(file));
            assertTrue(Files.size(file) > 10_000, file + " holds a picture");
            story.page.evaluate("() => window.releaseMessages()");
            story.waitForState("done");
        }
    }
}

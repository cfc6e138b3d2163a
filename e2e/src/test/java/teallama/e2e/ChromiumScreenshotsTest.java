package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pictures in docs/ and the README: the page mid-story at 1280x800 and 390x844, light and
 * dark, and the whole page at 1100 wide (screenshot.png), coloured by probability, with the
 * inspector showing a word's candidates; written to e2e/target/e2e/screenshots/ (copy them into
 * docs/ by hand).
 * stories260K writes faster than a screenshot is taken, so the page's message handler is wrapped
 * to hold the worker's messages after the 90th token until the picture is done (all but the
 * candidates' texts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumScreenshotsTest {
    private Browser browser;
    private TestSite site;

    @BeforeAll
    void launch() {
        site = TestSite.get();
        browser = Browsers.shared("chromium");
    }

    @ParameterizedTest
    @CsvSource({"1280, 800, LIGHT, page-1280-light.png", "1280, 800, DARK, page-1280-dark.png",
        "390, 844, LIGHT, page-390-light.png", "390, 844, DARK, page-390-dark.png", "1100, 1000, LIGHT, screenshot.png"})
    void pageMidStory(int width, int height, ColorScheme scheme, String name) throws Exception {
        boolean wholePage = name.equals("screenshot.png");
        Browser.NewContextOptions options = new Browser.NewContextOptions().setViewportSize(width, height)
                .setColorScheme(scheme);
        if (width < 640) {
            options.setIsMobile(true).setHasTouch(true).setDeviceScaleFactor(2);
        }
        try (BrowserContext context = browser.newContext(options)) {
            StoryPage story = new StoryPage(context.newPage());
            story.open(site.root.url(), Map.of("model", "local-260K", "prompt", "Once upon a time", "temperature", "1",
                    "seed", "2", "steps", "512"));
            story.holdMessagesAfter(90);
            story.page.click("#start");
            story.waitForTokens(90);
            assertEquals("generating", story.state());
            story.page.waitForTimeout(600); // the smooth scroll that brings the story into view
            // colours on, and the candidates of the first whole word the model found unlikely (under 20%),
            // pointed at on a desktop (with the story's card in view) and tapped on a phone
            story.page.check("#colour");
            story.page.evaluate("() => document.activeElement.blur()");
            int word = ((Number) story.page.evaluate("Array.from(document.querySelectorAll('#output [data-token]"
                    + ":not([data-prompt])')).findIndex((s) => s.dataset.band < 2 && /^ [a-z]{3,}$/.test(s.textContent))"))
                    .intValue();
            assertTrue(word >= 0, story.output());
            String token = "#output [data-token]:not([data-prompt]) >> nth=" + word;
            if (width < 640) {
                story.page.tap(token);
            } else {
                if (!wholePage) {
                    story.page.evaluate("() => scrollBy(0, document.getElementById('story').getBoundingClientRect().bottom"
                            + " - innerHeight + 16)");
                }
                story.page.hover(token);
            }
            String shown = story.page.getAttribute(token, "data-token");
            story.waitUntil("t => document.querySelector('#inspector tr[data-sampled]')?.dataset.token === t", shown);
            InspectorPageTest.waitForTexts(story);
            story.page.waitForTimeout(300);
            Path file = site.screenshots().resolve(name);
            story.page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(wholePage));
            assertTrue(Files.size(file) > 10_000, file + " holds a picture");
            story.releaseMessages();
            story.waitForState("done");
        }
    }
}

package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ColorScheme;
import com.microsoft.playwright.options.ReducedMotion;
import com.microsoft.playwright.options.ServiceWorkerPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Tests that each open the page in a browser context of their own, at a viewport size and with
 * the media features (colour scheme, reduced motion, touch) they need; no page may throw.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PagesTest {
    private Browser browser;
    private final List<BrowserContext> contexts = new ArrayList<>();
    private final List<String> pageErrors = Collections.synchronizedList(new ArrayList<>());
    private final List<Predicate<String>> expectedPageErrors = new ArrayList<>();
    private StoryPage sharedTab; // opened by the first test that asks for it, open until the class ends
    TestSite site;

    abstract String browserName();

    /** The media features a page is shown with: colour scheme, reduced motion, a touch screen. */
    record Media(boolean dark, boolean reducedMotion, boolean touch) {
        static final Media PLAIN = new Media(false, false, false);
    }

    @BeforeAll
    void launch() {
        site = TestSite.get();
        browser = Browsers.shared(browserName());
    }

    @AfterAll
    void close() {
        try {
            if (sharedTab != null) {
                sharedTab.page.context().close();
            }
        } finally {
            Browsers.closeFirefox();
        }
    }

    @AfterEach
    void closeContexts() {
        contexts.forEach(BrowserContext::close);
        contexts.clear();
        List<String> errors = pageErrors.stream()
                .filter((error) -> expectedPageErrors.stream().noneMatch((expected) -> expected.test(error))).toList();
        pageErrors.clear();
        expectedPageErrors.clear();
        assertEquals(List.of(), errors, "uncaught errors in the page");
    }

    /** Page errors that the test brings about, which the browser reports though the page handles them. */
    void expectPageErrors(Predicate<String> expected) {
        expectedPageErrors.add(expected);
    }

    /** A fresh context of the browser, with its defaults; it is closed after the test. */
    BrowserContext newContext() {
        return kept(browser.newContext());
    }

    /** A fresh context of the browser with these options; it is closed after the test. */
    BrowserContext newContext(Browser.NewContextOptions options) {
        return kept(browser.newContext(options));
    }

    /** A new page of context; an uncaught error in it fails the test. */
    Page watchedPage(BrowserContext context) {
        Page page = context.newPage();
        page.onPageError(pageErrors::add);
        return page;
    }

    private BrowserContext kept(BrowserContext context) {
        contexts.add(context);
        return context;
    }

    /**
     * A page in a fresh context. Chromium emulates the media per context; Firefox over WebDriver
     * BiDi does not, so it gets a browser of its own with the preferences that set them.
     */
    StoryPage newPage(int width, int height, Media media) {
        return newPage(new Browser.NewContextOptions().setViewportSize(width, height).setHasTouch(media.touch()), media);
    }

    private StoryPage newPage(Browser.NewContextOptions options, Media media) {
        Browser target = browser;
        if (browserName().equals("chromium")) {
            options.setColorScheme(media.dark() ? ColorScheme.DARK : ColorScheme.LIGHT)
                    .setReducedMotion(media.reducedMotion() ? ReducedMotion.REDUCE : ReducedMotion.NO_PREFERENCE)
                    .setIsMobile(media.touch());
        } else if (!media.equals(Media.PLAIN)) {
            target = Browsers.shared("firefox " + media, (playwright) -> Browsers.launchFirefox(playwright, Map.of(
                    "layout.css.prefers-color-scheme.content-override", media.dark() ? 0 : 1,
                    "ui.prefersReducedMotion", media.reducedMotion() ? 1 : 0,
                    // pointer capabilities: 1 coarse, 2 fine, 4 hover
                    "ui.primaryPointerCapabilities", media.touch() ? 1 : 6,
                    "ui.allPointerCapabilities", media.touch() ? 1 : 6)));
        }
        return new StoryPage(watchedPage(kept(target.newContext(options))));
    }

    StoryPage desktop() {
        return newPage(1100, 1000, Media.PLAIN);
    }

    /**
     * A desktop page that stays open from test to test of the class, for tests that take turns in
     * one tab as a reader opening link after link does; like every page here, it may not throw.
     */
    StoryPage sharedTab() {
        if (sharedTab == null) {
            sharedTab = new StoryPage(watchedPage(browser.newContext(new Browser.NewContextOptions().setViewportSize(1100, 1000))));
        }
        return sharedTab;
    }

    /**
     * A desktop page of a browser that keeps pages for Back in its back/forward cache, as a
     * visitor's does: Firefox under Playwright does, Chromium only when started for it.
     */
    StoryPage desktopKeptForBack() {
        Browser target = browser;
        if (browserName().equals("chromium")) {
            target = Browsers.shared("chromium keeping pages for Back", Browsers::launchChromiumKeepingPagesForBack);
        }
        return new StoryPage(watchedPage(kept(target.newContext(new Browser.NewContextOptions().setViewportSize(1100, 1000)))));
    }

    /** A desktop page whose service worker (sw.js) never starts, as in a browser that has none. */
    StoryPage desktopWithoutServiceWorker() {
        return newPage(new Browser.NewContextOptions().setViewportSize(1100, 1000)
                .setServiceWorkers(ServiceWorkerPolicy.BLOCK), Media.PLAIN);
    }

    StoryPage phone() {
        return newPage(390, 844, new Media(false, false, true));
    }
}

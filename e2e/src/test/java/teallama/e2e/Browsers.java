package teallama.e2e;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

/** Debian's system browsers, driven by Playwright without downloading browsers of its own. */
public final class Browsers {
    private Browsers() {
    }

    private static Playwright sharedPlaywright;
    private static final Map<String, Browser> shared = new HashMap<>();

    /**
     * The browser of this kind (a name for how launch starts it) that the test classes share,
     * started by the first to ask, and closed as the tests' JVM ends (the plain Firefox, by
     * {@link #closeFirefox}, sooner). Each class paid for a Playwright and a browser of its own:
     * here Firefox took 3.8 s to launch and close, Chromium 0.6 s, Playwright 0.6 s. Tests keep to
     * contexts of their own.
     */
    static synchronized Browser shared(String kind, Function<Playwright, Browser> launch) {
        if (sharedPlaywright == null) {
            sharedPlaywright = playwright();
            Runtime.getRuntime().addShutdownHook(new Thread(sharedPlaywright::close));
        }
        Browser browser = shared.get(kind);
        if (browser == null || !browser.isConnected()) {
            browser = launch.apply(sharedPlaywright);
            shared.put(kind, browser);
        }
        return browser;
    }

    /**
     * Closes the shared plain Firefox, which a class that opens many pages calls as it ends: in a
     * run with one Firefox throughout, it slowed down as it went, the later classes taking 4 to 9 s
     * longer each than with a Firefox of their own (Chromium's classes did not). The Firefoxes
     * of other media (a dark scheme, a touch screen) open a few pages in the whole run, and stay.
     */
    static synchronized void closeFirefox() {
        Browser firefox = shared.remove("firefox");
        if (firefox != null) {
            firefox.close();
        }
    }

    /** The shared browser of this name, as {@link #launch} starts it. */
    static Browser shared(String name) {
        return shared(name, (playwright) -> launch(playwright, name));
    }

    public static Playwright playwright() {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    }

    public static Browser launch(Playwright playwright, String name) {
        return switch (name) {
            case "chromium" -> playwright.chromium().launch(chromiumOptions());
            case "firefox" -> launchFirefox(playwright, Map.of());
            default -> throw new IllegalArgumentException("no browser named " + name);
        };
    }

    /**
     * Chromium with its back/forward cache on, as a visitor's is, for Back: Playwright turns it off
     * (with it on, Playwright's reload of a page that its service worker reloads too waited for good).
     */
    public static Browser launchChromiumKeepingPagesForBack(Playwright playwright) {
        return playwright.chromium().launch(chromiumOptions().setIgnoreDefaultArgs(List.of("--disable-back-forward-cache")));
    }

    /**
     * The features Playwright 1.62 turns off (its chromiumSwitches), which a second
     * --disable-features would otherwise drop, as Chromium keeps only the last; and the address
     * bar's pop-up, a WebUI page that headless Chromium loads in a renderer of its own for every
     * context: 1.5 s of a core each, about a third of what opening the story page cost.
     */
    private static final List<String> CHROMIUM_DISABLED_FEATURES = List.of(
            "AvoidUnnecessaryBeforeUnloadCheckSync", "BoundaryEventDispatchTracksNodeRemoval",
            "DestroyProfileOnBrowserClose", "DialMediaRouteProvider", "GlobalMediaControls", "HttpsUpgrades",
            "LensOverlay", "MediaRouter", "PaintHolding", "ThirdPartyStoragePartitioning",
            "BlockOriginHeaderModificationOnRedirect", "Translate", "AutoDeElevate", "OptimizationHints",
            "WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "PreloadTopChromeWebUI");

    private static BrowserType.LaunchOptions chromiumOptions() {
        return new BrowserType.LaunchOptions()
                .setExecutablePath(Path.of("/usr/bin/chromium"))
                .setHeadless(true)
                // root in a container, no GPU, and no network: keep Chromium from reaching out
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--disable-default-apps",
                        "--disable-features=" + String.join(",", CHROMIUM_DISABLED_FEATURES)));
    }

    /** Stock Firefox over WebDriver BiDi (the channel alone looks for a snap), with these preferences. */
    public static Browser launchFirefox(Playwright playwright, Map<String, Object> preferences) {
        return playwright.firefox().launch(new BrowserType.LaunchOptions()
                .setChannel("moz-firefox")
                .setExecutablePath(Path.of("/usr/bin/firefox-esr"))
                .setHeadless(true)
                .setFirefoxUserPrefs(preferences));
    }
}

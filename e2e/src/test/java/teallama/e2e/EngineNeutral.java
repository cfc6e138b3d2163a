package teallama.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A page test whose subject is the page's own logic (its settings and links, the messages it
 * words, what it shows of a story), reached through nothing the two browser engines do
 * differently that the tests run in both do not already cover: stories in WebAssembly and
 * workers, downloads and their failures, storage and the service worker, layout, pointer and
 * keyboard. It runs in Chromium only; {@link EngineNeutralFilter} leaves it out of the Firefox
 * class, where each took 1.5 to 6 s (WebDriver BiDi's round trips) to check what Chromium had.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface EngineNeutral {
}

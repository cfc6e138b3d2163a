package teallama.e2e;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;

import teallama.GoldenGenerateTest;

/** The story page, as a test drives it through its stable hooks. */
final class StoryPage {
    static final double TIMEOUT_MS = 120_000;

    final Page page;

    StoryPage(Page page) {
        this.page = page;
    }

    /** Opens the page with settings in the address, as a shared link does. */
    StoryPage open(String baseUrl, Map<String, String> query) {
        StringJoiner q = new StringJoiner("&");
        query.forEach((k, v) -> q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        page.navigate(baseUrl + (query.isEmpty() ? "" : "?" + q));
        return this;
    }

    /**
     * Script to put before a worker's own (see {@link #beforeWorkerScript}) that makes its waits
     * of ms last instead: Playwright's clock is the page's, and does not reach a worker's.
     */
    static String shortWaits(int ms, int instead) {
        return String.format("{ const later = self.setTimeout;"
                + " self.setTimeout = (f, ms, ...rest) => later(f, ms === %d ? %d : ms, ...rest); }\n", ms, instead);
    }

    /** A worker's script with prelude put before it, still strict. */
    static String beforeWorkerScript(String prelude, String script) {
        return "\"use strict\";\n" + prelude + script;
    }

    /**
     * Sets the page's fields (by selector, in the map's order) to these values as typing or
     * choosing leaves them, each told by an input and a change event, in one call: Playwright's
     * fill took 70 to 90 ms a field in Firefox (each element it acts on costs WebDriver BiDi
     * several round trips), 10 to 15 in Chromium. For tests whose subject is not the typing.
     */
    void setFields(Map<String, String> fields) {
        page.evaluate("fields => { for (const [selector, value] of fields) {"
                + "  const field = document.querySelector(selector);"
                + "  field.value = value;"
                + "  if (field.value !== value) throw new Error(`${selector} took '${field.value}' for '${value}'`);"
                + "  field.dispatchEvent(new Event('input', { bubbles: true }));"
                + "  field.dispatchEvent(new Event('change', { bubbles: true }));"
                + "} }", fields.entrySet().stream().map((field) -> List.of(field.getKey(), field.getValue())).toList());
    }

    /** The fields of golden case c's settings, for {@link #setFields}. */
    static Map<String, String> goldenCaseFields(GoldenGenerateTest.Case c) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("#prompt", c.prompt());
        fields.put("#temperature", c.temperature());
        fields.put("#topp", c.topp());
        fields.put("#seed", c.seed());
        fields.put("#steps", c.steps());
        return fields;
    }

    /** A query that loads stories260K from the test models folder with these settings. */
    static Map<String, String> stories260K(String... keyValues) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("model", "models/stories260K.bin");
        query.put("tokenizer", "models/tok512.bin");
        for (int i = 0; i < keyValues.length; i += 2) {
            query.put(keyValues[i], keyValues[i + 1]);
        }
        return query;
    }

    /**
     * stories260K writes faster than a screenshot is taken: the page's message handler holds the
     * worker's messages once this many tokens have come (the tokens past them in a message too),
     * all but the texts the inspector asks for, until {@link #releaseMessages}.
     */
    void holdMessagesAfter(int tokens) {
        page.evaluate("n => {"
                + "  const deliver = worker.onmessage; let tokens = 0; window.heldMessages = [];"
                + "  worker.onmessage = (e) => {"
                + "    if (tokens >= n && e.data.type !== 'texts') return window.heldMessages.push(e);"
                + "    if (e.data.type === 'tokens' && e.data.tokens.length > n - tokens) {"
                + "      window.heldMessages.push({ data: { type: 'tokens', tokens: e.data.tokens.slice(n - tokens) } });"
                + "      e = { data: { type: 'tokens', tokens: e.data.tokens.slice(0, n - tokens) } };"
                + "    }"
                + "    if (e.data.type === 'tokens') tokens += e.data.tokens.length;"
                + "    deliver(e);"
                + "  };"
                + "  window.releaseMessages = () => { worker.onmessage = deliver; window.heldMessages.forEach(deliver); };"
                + "}", tokens);
    }

    /** Hands the page the messages {@link #holdMessagesAfter} held, and every one after them. */
    void releaseMessages() {
        page.evaluate("() => window.releaseMessages()");
    }

    String state() {
        return page.getAttribute("#output", "data-state");
    }

    /** Waits until #output's data-state is one of these. */
    void waitForState(String... states) {
        waitUntil("states => states.includes(document.getElementById('output').dataset.state)", List.of(states));
    }

    void waitForTokens(int atLeast) {
        waitUntil("n => Number(document.getElementById('tokens').textContent) >= n", atLeast);
    }

    /**
     * Waits until a function of arg, run in the page, returns true. The page asks it every 20 ms,
     * for up to a second an evaluate: asked from here instead, each time cost the browser 4 to 8 ms
     * of a core (Firefox's WebDriver BiDi is JavaScript in its main process), beside the workers of
     * the story under test. Not Playwright's waitForFunction, which uses eval in Firefox, and the
     * page's Content-Security-Policy forbids it. An evaluate that a navigation cuts short is
     * asked again, in the new document.
     */
    void waitUntil(String predicate, Object arg) {
        waitUntil(predicate, arg, TIMEOUT_MS);
    }

    /** {@link #waitUntil(String, Object)}, for at most timeoutMs. */
    void waitUntil(String predicate, Object arg, double timeoutMs) {
        long end = System.nanoTime() + (long) (timeoutMs * 1e6);
        String waiting = "([arg, ms]) => new Promise((resolve) => {"
                + "  const met = (" + predicate + "); const until = performance.now() + ms;"
                + "  const ask = () => met(arg) ? resolve(true) : performance.now() > until ? resolve(false) : setTimeout(ask, 20);"
                + "  ask();"
                + "})";
        int cutShort = 0;
        for (;;) {
            try {
                if (Boolean.TRUE.equals(page.evaluate(waiting, Arrays.asList(arg, 1000)))) {
                    return;
                }
                cutShort = 0;
            } catch (PlaywrightException e) {
                if (page.isClosed() || ++cutShort > 5) {
                    throw e;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + timeoutMs / 1000 + " s for " + predicate + " with " + arg);
            }
        }
    }

    /** Waits until the element's text is exactly this. */
    void waitForText(String selector, String text) {
        waitUntil("([selector, text]) => document.querySelector(selector).textContent === text", List.of(selector, text));
    }

    /** The document's address now: Playwright's page.url() hears of history.replaceState late. */
    String address() {
        return (String) page.evaluate("location.href");
    }

    String output() {
        return (String) page.evaluate("document.getElementById('output').textContent");
    }

    String status() {
        return page.textContent("#status");
    }

    int tokens() {
        return Integer.parseInt(page.textContent("#tokens"));
    }
}

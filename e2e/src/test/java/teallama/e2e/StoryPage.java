package teallama.e2e;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import com.microsoft.playwright.Page;

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

    String state() {
        return page.getAttribute("#output", "data-state");
    }

    /** Waits until #output's data-state is one of these. */
    void waitForState(String... states) {
        page.waitForFunction("states => states.includes(document.getElementById('output').dataset.state)",
                List.of(states), new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    void waitForTokens(int atLeast) {
        page.waitForFunction("n => Number(document.getElementById('tokens').textContent) >= n", atLeast,
                new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
    }

    /** Waits until the element's text is exactly this. */
    void waitForText(String selector, String text) {
        page.waitForFunction("([selector, text]) => document.querySelector(selector).textContent === text",
                List.of(selector, text), new Page.WaitForFunctionOptions().setTimeout(10_000));
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

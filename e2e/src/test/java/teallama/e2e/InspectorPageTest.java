package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import org.junit.jupiter.api.Test;

import teallama.Cli;
import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;
import teallama.Shared;
import teallama.Tokenizer;

/**
 * The token inspector: each token of the story is a span with its id; pointing at it, tapping
 * it or reaching it with the arrow keys shows the candidates the model weighed there, which
 * agree with the command line's --probs; colour by probability; and not a byte of the story
 * changes.
 */
abstract class InspectorPageTest extends PagesTest {
    /** The story told here: stories260K, sampled (temperature 1, top-p 0.9), seed 42. */
    private static final String[] STORY = {"-t", "1", "-p", "0.9", "-s", "42", "-n", "60", "-i", "Once upon a time"};

    /** A candidate row of the inspector, as the page shows it. */
    record Row(int token, double prob, String text, String percent, boolean sampled, boolean cut) {
    }

    StoryPage tellStory(StoryPage story, String temperature) {
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Once upon a time", "temperature", temperature,
                "topp", "0.9", "seed", "42", "steps", "60", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        return story;
    }

    /** The command line's --probs lines for a story of stories260K: one per token, BOS excluded. */
    List<JsonNode> commandLineProbs(String... args) throws IOException {
        return commandLineProbs(site.work, Cli.stories260K(args));
    }

    /** The command line's --probs lines for a story (its whole arguments), written in dir. */
    static List<JsonNode> commandLineProbs(Path dir, String... args) throws IOException {
        Path probs = Files.createTempFile(dir, "probs", ".jsonl");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--probs", probs.toString()));
        Cli cli = Cli.run(all.toArray(String[]::new));
        assertEquals(0, cli.status(), cli.stderr());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(probs)) {
            lines.add(json.readTree(line));
        }
        Files.delete(probs);
        return lines;
    }

    @SuppressWarnings("unchecked")
    static List<String> tokenIds(StoryPage story) {
        return (List<String>) story.page.evaluate(
                "Array.from(document.querySelectorAll('#output [data-token]'), (s) => s.dataset.token)");
    }

    /** The inspector's rows once their texts, which the page asks the worker for, are in. */
    @SuppressWarnings("unchecked")
    static List<Row> rows(StoryPage story) {
        waitForTexts(story);
        List<Map<String, Object>> found = (List<Map<String, Object>>) story.page.evaluate(
                "Array.from(document.querySelectorAll('#inspector tr[data-token]'), (r) => ({"
                        + " token: r.dataset.token, prob: r.dataset.prob, text: r.querySelector('.piece').textContent,"
                        + " percent: r.querySelector('.prob').textContent, sampled: r.hasAttribute('data-sampled'),"
                        + " cut: r.hasAttribute('data-cut') }))");
        return found.stream().map((r) -> new Row(Integer.parseInt((String) r.get("token")),
                Double.parseDouble((String) r.get("prob")), (String) r.get("text"), (String) r.get("percent"),
                (Boolean) r.get("sampled"), (Boolean) r.get("cut"))).toList();
    }

    static void waitForTexts(StoryPage story) {
        story.waitUntil("() => document.querySelector('#inspector [data-pending]') === null", null);
    }

    /** The nth token span (from 0) that the model wrote (not the prompt's). */
    static String generated(int n) {
        return "#output [data-token]:not([data-prompt]) >> nth=" + n;
    }

    private static final Tokenizer TOK512 = Shared.loadTokenizer("tok512.bin", 512);

    /**
     * The rows against the command line's line for the same position (stories260K's): ids, order,
     * marks, probabilities, and each id's text, which the page keeps from the first message that
     * gave it.
     */
    static void assertRowsAre(JsonNode line, List<Row> rows) {
        JsonNode candidates = line.get("candidates");
        assertEquals(candidates.size(), rows.size(), line.toString());
        for (int r = 0; r < rows.size(); r++) {
            JsonNode c = candidates.get(r);
            Row row = rows.get(r);
            assertEquals(c.get("token").asInt(), row.token(), "row " + r + " of " + line);
            assertEquals(c.get("prob").asDouble(), row.prob(), 1e-6, "row " + r + " of " + line);
            assertEquals(c.has("sampled"), row.sampled(), "row " + r + " of " + line);
            assertEquals(c.has("cut"), row.cut(), "row " + r + " of " + line);
            assertEquals(TOK512.readable(row.token()), row.text(), "row " + r + " of " + line);
        }
    }

    // ----------------------------------------------------------------------------
    // the story's spans and the candidates

    @Test
    void pointingAtATokenShowsTenCandidatesMostLikelyFirstWithTheChosenOneMarked() throws IOException {
        StoryPage story = tellStory(desktop(), "1");
        List<JsonNode> probs = commandLineProbs(STORY);
        assertEquals(new String(Cli.run(Cli.stories260K(STORY)).stdout(), StandardCharsets.UTF_8), story.output() + "\n",
                "the story as the command line tells it");
        assertEquals(probs.stream().map((line) -> line.get("token").asText()).toList(), tokenIds(story),
                "one span per token, carrying its id");
        assertEquals(0, story.page.locator("#output span *").count(), "each span holds its text as text");
        assertTrue(story.page.isChecked("#inspect"), "the inspector is on by default");
        assertEquals("", story.page.evaluate("document.querySelector('#inspector .candidates') ? 'rows' : ''"),
                "no rows before a token is shown");

        int promptTokens = (int) probs.stream().filter((line) -> line.get("prompt").asBoolean()).count();
        for (int n : new int[] {0, 7, 30}) {
            story.page.hover(generated(n));
            String token = story.page.getAttribute(generated(n), "data-token");
            story.waitUntil("t => document.querySelector('#inspector tr[data-sampled]')?.dataset.token === t"
                    + " && document.querySelector('#output [data-shown]')?.dataset.token === t", token);
            List<Row> rows = rows(story);
            assertEquals(10, rows.size());
            double sum = 0;
            for (int r = 0; r < rows.size(); r++) {
                Row row = rows.get(r);
                assertTrue(r == 0 || rows.get(r - 1).prob() >= row.prob(), "most likely first: " + rows);
                assertTrue(row.prob() >= 0 && row.prob() <= 1, row.toString());
                String expected = row.prob() * 100 >= 0.1 ? String.format("%.1f%%", row.prob() * 100) : "<0.1%";
                assertEquals(expected, row.percent(), row.toString());
                sum += row.prob();
            }
            assertTrue(sum <= 1 + 1e-6, "the rows sum to " + sum);
            List<Row> sampled = rows.stream().filter(Row::sampled).toList();
            assertEquals(1, sampled.size(), rows.toString());
            assertEquals(Integer.parseInt(token), sampled.get(0).token());
            assertRowsAre(probs.get(promptTokens + n), rows);
            assertTrue(story.page.textContent("#inspector").contains("position " + (promptTokens + n + 1)),
                    story.page.textContent("#inspector"));
            assertTrue(story.page.textContent("#inspector").contains("Drawn at random at temperature 1"),
                    story.page.textContent("#inspector"));
        }
        // the rows top-p would not draw come last, below one dashed line, and are explained
        int cut = 0;
        while (!probs.get(promptTokens + cut).toString().contains("\"cut\":true")) {
            cut++;
        }
        story.page.hover(generated(cut));
        story.waitUntil("t => document.querySelector('#inspector tr[data-sampled]')?.dataset.token === t",
                story.page.getAttribute(generated(cut), "data-token"));
        List<Row> rows = rows(story);
        assertRowsAre(probs.get(promptTokens + cut), rows);
        int firstCut = rows.indexOf(rows.stream().filter(Row::cut).findFirst().orElseThrow());
        assertTrue(rows.subList(firstCut, rows.size()).stream().allMatch(Row::cut), rows.toString());
        assertEquals(1, story.page.locator("#inspector tr.first-cut").count());
        assertEquals(String.valueOf(rows.get(firstCut).token()), story.page.getAttribute("#inspector tr.first-cut",
                "data-token"));
        assertTrue(story.page.textContent("#inspector").contains("Below the dashed line: cut by top-p 0.9"));

        story.page.hover("#output [data-prompt] >> nth=2");
        story.waitUntil("() => document.getElementById('inspector').textContent.includes('The prompt forced this token')", null);
        assertRowsAre(probs.get(2), rows(story));
        assertEquals("true", story.page.evaluate("String(document.querySelector('#inspector tr[data-sampled] .tag')"
                + ".textContent === 'prompt')"));
    }

    /** The candidates' text is text: markup in a prompt stays literal in the rows. */
    @EngineNeutral
    @Test
    void candidatesAreTextNeverHtml() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", "<b>bold</b>", "temperature", "0", "steps", "20",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        story.page.locator("#output [data-prompt]").filter(new Locator.FilterOptions().setHasText("<")).first().hover();
        story.waitUntil("() => document.querySelector('#inspector tr[data-sampled]') !== null", null);
        waitForTexts(story);
        String sampledText = (String) story.page.evaluate("document.querySelector('#inspector tr[data-sampled] .piece').textContent");
        assertTrue(sampledText.contains("<"), sampledText);
        assertEquals(0, story.page.locator("#inspector b, #inspector .piece *").count(), "no element from the model's text");
    }

    @EngineNeutral
    @Test
    void atTemperatureZeroTheLargestLogitWins() throws IOException {
        StoryPage story = tellStory(desktop(), "0");
        List<JsonNode> probs = commandLineProbs("-t", "0", "-p", "0.9", "-s", "42", "-n", "60", "-i", "Once upon a time");
        assertEquals(probs.stream().map((line) -> line.get("token").asText()).toList(), tokenIds(story));
        story.page.hover(generated(5));
        story.waitUntil("() => document.getElementById('inspector').textContent.includes('the largest logit wins')", null);
        assertTrue(story.page.textContent("#inspector").contains("probabilities shown are those of temperature 1"),
                story.page.textContent("#inspector"));
        List<Row> rows = rows(story);
        assertTrue(rows.get(0).sampled(), "the top row is chosen: " + rows);
        assertTrue(rows.stream().noneMatch(Row::cut), rows.toString());
    }

    /**
     * A small temperature is shown as it is: at 0.0001 the model draws (greedy is false), and
     * "temperature 0", which 3 decimals made of it, said otherwise.
     */
    @EngineNeutral
    @Test
    void aSmallTemperatureIsShownAsItIs() {
        StoryPage story = tellStory(desktop(), "0.0001");
        story.page.hover(generated(5));
        story.waitUntil("() => document.getElementById('inspector').textContent.includes('Drawn at random')", null);
        assertTrue(story.page.textContent("#inspector").contains("Drawn at random at temperature 0.0001,"),
                story.page.textContent("#inspector"));
    }

    // ----------------------------------------------------------------------------
    // the keyboard and a touch screen

    @Test
    void theArrowKeysMoveThroughTheTokensOfAFocusedStory() {
        StoryPage story = tellStory(desktop(), "1");
        assertEquals(1, story.page.locator("#output [tabindex]").count(), "one token in the tab order");
        story.page.focus("#link");
        story.page.keyboard().press("Tab");
        assertEquals(story.page.getAttribute("#output [data-token] >> nth=0", "data-token"), active(story, "token"),
                "Tab enters the story at its first token");
        assertEquals("0", active(story, "tabindex"));
        assertEquals("inspector-title inspector-why", active(story, "describedby"));
        assertSampledRowIsTheActiveToken(story);
        assertTrue(story.page.textContent("#inspector").contains("position 1"));

        for (int i = 0; i < 6; i++) {
            story.page.keyboard().press("ArrowRight");
        }
        assertEquals(story.page.getAttribute("#output [data-token] >> nth=6", "data-token"), active(story, "token"));
        assertSampledRowIsTheActiveToken(story);
        assertTrue(story.page.textContent("#inspector").contains("position 7"), story.page.textContent("#inspector"));
        story.page.keyboard().press("ArrowLeft");
        assertTrue(story.page.textContent("#inspector").contains("position 6"), story.page.textContent("#inspector"));
        assertEquals(1, story.page.locator("#output [tabindex]").count(), "still one token in the tab order");
        assertEquals(1, story.page.locator("#output [aria-describedby]").count());

        story.page.keyboard().press("End");
        assertEquals(story.page.getAttribute("#output [data-token] >> nth=-1", "data-token"), active(story, "token"));
        assertSampledRowIsTheActiveToken(story);
        story.page.keyboard().press("Home");
        assertTrue(story.page.textContent("#inspector").contains("position 1"));

        // Tab leaves the story, and Shift+Tab comes back to the token last reached
        story.page.keyboard().press("ArrowRight");
        story.page.keyboard().press("Tab");
        assertEquals(false, story.page.evaluate("document.getElementById('output').contains(document.activeElement)"));
        assertEquals("inspector", story.page.evaluate("document.activeElement.id"), "the inspector scrolls by keyboard too");
        story.page.keyboard().press("Shift+Tab");
        assertEquals(story.page.getAttribute("#output [data-token] >> nth=1", "data-token"), active(story, "token"));
    }

    private static String active(StoryPage story, String what) {
        return (String) story.page.evaluate("w => { const a = document.activeElement; return w === 'token' ? a.dataset.token"
                + " : w === 'tabindex' ? a.getAttribute('tabindex') : a.getAttribute('aria-describedby'); }", what);
    }

    private static void assertSampledRowIsTheActiveToken(StoryPage story) {
        assertEquals(active(story, "token"), story.page.getAttribute("#inspector tr[data-sampled]", "data-token"));
    }

    // ----------------------------------------------------------------------------
    // colour by probability

    @Test
    void colourByProbabilityTintsEachTokenByItsBandWithALegend() {
        for (boolean dark : new boolean[] {false, true}) {
            StoryPage story = tellStory(newPage(1100, 1000, new Media(dark, false, false)), "1");
            String background = "s => getComputedStyle(document.querySelector(s)).backgroundColor";
            assertFalse(story.page.isChecked("#colour"), "off by default");
            assertFalse(story.page.isVisible("#legend"));
            String plain = (String) story.page.evaluate(background, "#output [data-band]:not([data-prompt])");

            story.page.check("#colour");
            assertTrue(story.page.isVisible("#legend"));
            // each generated token's band is that of the probability of its chosen row
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> spans = (List<Map<String, Object>>) story.page.evaluate(
                    "Array.from(document.querySelectorAll('#output [data-token]:not([data-prompt])'), (s) => ({"
                            + " band: s.dataset.band, colour: getComputedStyle(s).backgroundColor,"
                            + " swatch: getComputedStyle(document.querySelector(`.swatch[data-band='${s.dataset.band}']`)).backgroundColor }))");
            assertEquals(story.page.locator("#output [data-token]:not([data-prompt])").count(), spans.size());
            assertTrue(spans.stream().allMatch((s) -> s.get("band") != null), "every generated token has a band");
            // a token's band, and the setting kept, do not depend on the scheme: the dark one points
            // at one token, for the inspector's contrast below
            for (int n = 0; n < (dark ? 1 : 6); n++) {
                story.page.hover(generated(n));
                String token = story.page.getAttribute(generated(n), "data-token");
                story.waitUntil("t => document.querySelector('#inspector tr[data-sampled]')?.dataset.token === t", token);
                double prob = rows(story).stream().filter(Row::sampled).findFirst().orElseThrow().prob();
                int band = prob < 0.05 ? 0 : prob < 0.2 ? 1 : prob < 0.5 ? 2 : prob < 0.9 ? 3 : 4;
                assertEquals(String.valueOf(band), spans.get(n).get("band"), "token " + n + " had " + prob);
            }
            String paper = (String) story.page.evaluate(background, "#output");
            for (Map<String, Object> span : spans) {
                if (span.get("band").equals("4")) {
                    assertEquals("rgba(0, 0, 0, 0)", span.get("colour"), "no tint at 90% and up: " + span);
                    assertEquals(paper, span.get("swatch"), "the legend's colour: " + span);
                } else {
                    assertEquals(span.get("swatch"), span.get("colour"), "the legend's colour: " + span);
                }
            }
            assertTrue(spans.stream().map((s) -> s.get("band")).distinct().count() >= 3, "several bands: " + spans);
            assertNotEquals(plain, spans.stream().filter((s) -> s.get("band").equals("0")).findFirst()
                    .map((s) -> s.get("colour")).orElse(plain), "the least likely tokens stand out");
            assertEquals("", story.page.evaluate(AccessiblePageTest.CONTRAST, List.of(List.of(".swatch[data-band='0']",
                    ".swatch[data-band='1']", ".swatch[data-band='2']", ".swatch[data-band='3']", ".swatch[data-band='4']",
                    "#legend", "#inspector .inspector-note", "#inspector tr[data-sampled]", "#inspector .tag"), List.of())),
                    (dark ? "dark" : "light") + " scheme");

            story.page.uncheck("#colour");
            assertFalse(story.page.isVisible("#legend"));
            assertEquals(plain, story.page.evaluate(background, "#output [data-band='0']:not([data-prompt])"));
            if (!dark) {
                story.page.check("#colour");
                story.page.reload();
                assertTrue(story.page.isChecked("#colour"), "kept across visits");
            }
        }
    }

    // ----------------------------------------------------------------------------
    // the inspector off, and the story unchanged

    @EngineNeutral
    @Test
    void withTheInspectorOffTheTokensCarryTheirIdsAndTheInspectorSaysHowToSeeMore() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Once upon a time", "temperature", "1", "topp", "0.9",
                "seed", "42", "steps", "60"));
        story.page.uncheck("#inspect");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(Cli.run(Cli.stories260K(STORY)).stdout(), StandardCharsets.UTF_8), story.output() + "\n");
        assertEquals(story.tokens(), tokenIds(story).size(), "every token has its span");
        assertEquals(0, story.page.locator("#output [data-band]").count(), "nothing to colour by");
        story.page.hover(generated(2));
        story.waitUntil("() => document.getElementById('inspector').textContent.includes('The inspector was off')", null);
        assertEquals(0, story.page.locator("#inspector tr").count());
        // the token's text as the inspector writes texts, spaces as ␣ (the worker's readable text)
        story.waitUntil("() => !document.querySelector('#inspector [data-pending]')", null);
        assertEquals(story.page.textContent(generated(2)).replace(' ', '\u2423'),
                story.page.textContent("#inspector .inspector-title .piece"));

        // colour by probability needs the inspector's data, and says so
        story.page.check("#colour");
        assertTrue(story.page.isVisible("#colour-note"));
        String note = story.page.textContent("#colour-note").replaceAll("\\s+", " ");
        assertTrue(note.contains("switch on “Show why each token was chosen”"), note);
        story.page.check("#inspect");
        assertTrue(story.page.isVisible("#colour-note"), "this story was told without it");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertTrue(story.page.isHidden("#colour-note"));
        assertTrue(story.page.locator("#output [data-band]").count() > 0);
        story.page.uncheck("#inspect");
        story.page.reload();
        assertFalse(story.page.isChecked("#inspect"), "kept across visits");
    }

    /** Every golden story, told one after the other with the inspector on, is still run.c's byte for byte. */
    @Test
    void theGoldenStoriesAreByteIdenticalWithTheInspectorOn() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K());
        assertTrue(story.page.isChecked("#inspect"));
        for (Case c : GoldenGenerateTest.cases()) {
            story.setFields(StoryPage.goldenCaseFields(c));
            story.page.click("#start");
            try {
                story.waitForState("done", "error");
            } catch (AssertionError e) {
                throw new AssertionError(c + ": no end after " + story.tokens() + " tokens; status: "
                        + story.status(), e);
            }
            assertEquals("done", story.state(), c + ": " + story.status());
            byte[] shown = (story.output() + "\n").getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(c.expected(), shown, () -> c + " expected:\n"
                    + new String(c.expected(), StandardCharsets.UTF_8) + "\nfound:\n" + story.output());
            assertEquals(story.page.locator("#output [data-token]").count(),
                    story.page.locator("#output [data-band]").count(), c + ": every token was inspected");
        }
    }
}

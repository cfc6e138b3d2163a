package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.APIResponse;
import org.junit.jupiter.api.Test;

import teallama.Cli;
import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;
import teallama.Shared;
import teallama.server.SiteServer;

/**
 * What a first-time visitor meets: the prompt's length and its place in the story, links, kept
 * settings, download progress and timing, the benchmark page and the footer, and browsers or
 * addresses that cannot run the page.
 */
abstract class NewUserPageTest extends PagesTest {
    private static final Pattern FIRST_TOKEN = Pattern.compile("First token after (under 1|[\\d.]+) ms");

    /** The test's copy of navigator.clipboard: what the page copies lands in window.copied. */
    static void recordClipboard(StoryPage story) {
        story.page.addInitScript("window.copied = [];"
                + "Object.defineProperty(navigator, 'clipboard', {configurable: true,"
                + "  value: {writeText: async (text) => { window.copied.push(text); }}});");
    }

    /** run.c's own count, from golden/tokenizer/encodings.json: ids with BOS, minus BOS. */
    static int runcPromptTokens(String tokenizer, String text) throws Exception {
        JsonNode all = new ObjectMapper().readTree(Shared.read(Shared.golden("tokenizer/encodings.json")));
        for (JsonNode c : all.get("tokenizers").get(tokenizer).get("cases")) {
            if (c.get("text").asText().equals(text)) {
                return c.get("ids").size() - 1;
            }
        }
        throw new AssertionError("no golden encoding of '" + text + "' with " + tokenizer);
    }

    static double firstTokenMs(String status) {
        Matcher m = FIRST_TOKEN.matcher(status);
        assertTrue(m.find(), status);
        return m.group(1).equals("under 1") ? 0.5 : Double.parseDouble(m.group(1));
    }

    // ----------------------------------------------------------------------------
    // the prompt

    @EngineNeutral
    @Test
    void thePromptShowsItsLengthInTokensAgainstTheContext() throws Exception {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Once upon a time", "temperature", "0",
                "steps", "20"));
        assertEquals("16 characters · load a model to count tokens", story.page.textContent("#prompt-length"));
        assertEquals("prompt-length", story.page.getAttribute("#prompt", "aria-describedby"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        int once = runcPromptTokens("tok512.bin", "Once upon a time");
        story.waitForText("#prompt-length", once + " / 512 tokens");

        String longer = "I believe the meaning of life is";
        story.page.fill("#prompt", longer);
        int believe = runcPromptTokens("tok512.bin", longer);
        story.waitForText("#prompt-length", believe + " / 512 tokens");
        story.page.fill("#steps", "10");
        story.waitForText("#prompt-length", believe
                + " / 512 tokens: the prompt takes all 10 steps; raise Steps or shorten the prompt");
        assertTrue(story.page.getAttribute("#prompt-length", "class").contains("warning"));

        // past the context: too long, unless Keep carries it on
        story.page.fill("#prompt", "Once upon a time. ".repeat(200));
        story.page.fill("#steps", "3000");
        story.waitUntil("s => / \\/ 512 tokens: no room left in the model's context; shorten the prompt, or set Keep "
                + "\\(1 to 511\\) to write past the context$/.test(document.getElementById('prompt-length').textContent)", null);
        assertTrue(story.page.getAttribute("#prompt-length", "class").contains("warning"));
        story.page.fill("#keep", "64");
        story.waitUntil("s => / \\/ 512 tokens: longer than the context, which Keep 64 carries on past$/"
                + ".test(document.getElementById('prompt-length').textContent)", null);
        assertTrue(!story.page.getAttribute("#prompt-length", "class").contains("warning"));
    }

    /**
     * Another model chosen after a story: the prompt's length, Keep and Threads no longer speak of
     * the model loaded (they counted with stories260K's tokenizer against its context of 512
     * while stories15M, of 256, was chosen), and do again once it is chosen again.
     */
    @EngineNeutral
    @Test
    void anotherModelChosenIsNotDescribedByTheOneLoaded() throws Exception {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Once upon a time", "temperature", "0",
                "steps", "20", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        String counted = runcPromptTokens("tok512.bin", "Once upon a time") + " / 512 tokens";
        story.waitForText("#prompt-length", counted);
        assertTrue(story.page.textContent("#keep-hint").contains("this model's 512-token context"));
        assertTrue(story.page.textContent("#threads-hint").startsWith("Threads: running on"));

        story.page.selectOption("#model", "stories15M");
        story.waitForText("#prompt-length", "16 characters · load a model to count tokens");
        assertTrue(story.page.textContent("#keep-hint").startsWith("Keep: 0 stops when the model's context is full"),
                story.page.textContent("#keep-hint"));
        assertTrue(story.page.textContent("#threads-hint").startsWith("Threads: auto: up to"),
                story.page.textContent("#threads-hint"));
        story.page.fill("#prompt", "Once upon a time there");
        story.waitForText("#prompt-length", "22 characters · load a model to count tokens");

        story.page.selectOption("#model", "url");
        story.page.fill("#prompt", "Once upon a time");
        story.waitForText("#prompt-length", counted);
        assertTrue(story.page.textContent("#keep-hint").contains("this model's 512-token context"));
        story.page.fill("#tokenizer-url", "models/tokenizer.bin");
        story.waitForText("#prompt-length", "16 characters · load a model to count tokens");
    }

    @Test
    void enterStartsAndShiftEnterAddsALine() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", "", "temperature", "0", "steps", "30"));
        assertEquals("textarea", story.page.evaluate("document.getElementById('prompt').localName"));
        story.page.focus("#prompt");
        story.page.keyboard().type("Once");
        story.page.keyboard().press("Shift+Enter");
        story.page.keyboard().type("upon");
        assertEquals("Once\nupon", story.page.inputValue("#prompt"));
        assertEquals("idle", story.state());
        story.page.keyboard().press("Enter");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("Once\nupon", story.page.inputValue("#prompt"), "Enter started the story, added no line");
        assertTrue(story.output().startsWith("Once\nupon"), story.output());
    }

    /** 2000 characters of prompt once took all the steps and said only "All steps used". */
    @EngineNeutral
    @Test
    void aPromptThatTakesAllTheStepsSaysWhatToChange() {
        StoryPage story = desktop();
        String prompt = "Once upon a time there was a little girl. ".repeat(48).strip();
        assertTrue(prompt.length() >= 2000);
        story.open(site.root.url(), StoryPage.stories260K("prompt", prompt, "temperature", "0", "steps", "256",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals("The prompt took all 256 steps: raise Steps or shorten the prompt.", story.status());
        assertEquals(0, story.page.locator("#output span:not([data-prompt])").count(), "nothing but the prompt");
        assertTrue(prompt.startsWith(story.output()), story.output());

        // longer than stories260K's 512 positions: without Keep the context is what runs out; with
        // Keep (which once got the same advice) Steps is
        String longer = "Once upon a time there was a little girl. ".repeat(150).strip();
        story.open(site.root.url(), StoryPage.stories260K("prompt", longer, "temperature", "0", "steps", "0",
                "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("The prompt took all 512 steps, the model's whole context: shorten the prompt.", story.status());
        story.open(site.root.url(), StoryPage.stories260K("prompt", longer, "temperature", "0", "steps", "600",
                "keep", "100", "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("The prompt took all 600 steps: raise Steps or shorten the prompt.", story.status());
    }

    /**
     * Half of a surrogate pair alone in the prompt (an emoji cut in two) ended in "New position 5
     * is outside of range [0;4]", or vanished; it is U+FFFD, as TextEncoder writes it, shown in the
     * prompt and spelled by its three byte tokens, which the command line does not print.
     */
    @Test
    void aLoneSurrogateInThePromptIsAReplacementCharacter() {
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "40"));
        story.page.evaluate("document.getElementById('prompt').value = 'abc\\uDC00'");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        Cli cli = Cli.run(Cli.stories260K("-t", "0", "-n", "40", "-i", "abc\uFFFD"));
        assertEquals(0, cli.status(), cli.stderr());
        assertTrue(cli.text().startsWith("abc"), cli.text());
        assertEquals("abc\uFFFD" + cli.text().substring(3).stripTrailing(), story.output().stripTrailing());
        assertEquals("abc\uFFFD", story.page.evaluate("Array.from(document.querySelectorAll('#output [data-prompt]'),"
                + " (s) => s.textContent).join('')"));
    }

    /** Each position is one span holding a text node; the prompt's are marked, and the text is the golden story. */
    @EngineNeutral
    @Test
    void thePromptIsSetApartAndEveryStepIsItsOwnElement() throws Exception {
        Case c = GoldenGenerateTest.cases().get(2); // case03: -t 0 -i "Once upon a time"
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");
        assertEquals(story.tokens(), story.page.locator("#output > .passage > span").count(), "one span per token message, in passages");
        assertEquals(0, story.page.locator("#output > :not(.passage), #output > .passage > :not(span), #output span *").count(), "spans of text only");
        assertEquals(runcPromptTokens("tok512.bin", c.prompt()), story.page.locator("#output [data-prompt]").count());
        assertEquals(c.prompt(), story.page.evaluate("Array.from(document.querySelectorAll('#output [data-prompt]'),"
                + " (s) => s.textContent).join('')"));
        assertEquals(true, story.page.evaluate("Array.from(document.querySelectorAll('#output > .passage > span')).every((s, i, all) =>"
                + " !s.hasAttribute('data-prompt') || i === 0 || all[i - 1].hasAttribute('data-prompt'))"),
                "the prompt's spans come first");
        assertNotEquals(story.page.evaluate("getComputedStyle(document.querySelector('#output [data-prompt]')).backgroundColor"),
                story.page.evaluate("getComputedStyle(document.querySelector('#output > .passage > span:not([data-prompt])')).backgroundColor"),
                "the prompt looks different");
    }

    // ----------------------------------------------------------------------------
    // links

    @EngineNeutral
    @Test
    void aCopiedLinkHoldsAutostartAndTellsTheStoryAgain() {
        StoryPage story = desktop();
        recordClipboard(story);
        story.open(site.root.url(), StoryPage.stories260K("prompt", "Lily and Tom", "steps", "60"));
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        String first = story.output();
        story.page.click("#link");
        story.waitUntil("() => window.copied.length === 1", null);
        String link = (String) story.page.evaluate("window.copied[0]");
        assertTrue(link.contains("autostart=1") && link.contains("seed="), link);
        assertFalse(story.address().contains("autostart=1"), "a reload does not start a story by itself");
        story.page.navigate(link);
        story.waitForState("done", "error");
        assertEquals(first, story.output());
    }

    @EngineNeutral
    @Test
    void localFilesCannotBeLinked() {
        StoryPage story = desktop();
        recordClipboard(story);
        story.open(site.root.url(), Map.of());
        story.page.selectOption("#model", "files");
        story.page.setInputFiles("#model-file", Shared.model("stories260K.bin"));
        story.page.setInputFiles("#tokenizer-file", Shared.model("tok512.bin"));
        String before = story.address();
        story.page.click("#link");
        assertTrue(story.status().startsWith("Local files cannot go into a link"), story.status());
        assertEquals(0, ((Number) story.page.evaluate("window.copied.length")).intValue(), "nothing copied");
        assertEquals(before, story.address());
    }

    /** A link longer than servers take (this project's own answers 414) is not made; the page says why. */
    @EngineNeutral
    @Test
    void aLinkTooLongForServersIsNotCopied() {
        StoryPage story = desktop();
        recordClipboard(story);
        story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "10"));
        story.page.fill("#prompt", "\uD83E\uDD99".repeat(800)); // 800 llamas: 9600 characters once percent-encoded
        String before = story.address();
        story.page.click("#link");
        assertTrue(story.status().matches("This story's link would be \\d+ characters long, and servers refuse links of "
                + "more than about 8000: shorten the prompt to share it\\."), story.status());
        assertEquals(0, ((Number) story.page.evaluate("window.copied.length")).intValue(), "nothing copied");
        assertEquals(before, story.address());

        story.page.fill("#prompt", "\uD83E\uDD99".repeat(600)); // 7200 characters
        story.page.click("#link");
        assertTrue(story.status().startsWith("Link copied"), story.status());
        String link = (String) story.page.evaluate("window.copied[0]");
        assertEquals(200, story.page.request().get(link).status(), "the server takes the link: " + link.length());
    }

    /** A phone keyboard's decimal comma, from a link and from the form. */
    @EngineNeutral
    @Test
    void commaDecimalsAreAccepted() {
        Case c = GoldenGenerateTest.cases().get(2); // case03: -t 0 -p 0.9 -s 1 -n 256 -i "Once upon a time"
        StoryPage story = desktop();
        story.open(site.root.url(), StoryPage.stories260K("prompt", c.prompt(), "temperature", "0,0", "topp", "0,9",
                "seed", c.seed(), "steps", c.steps(), "autostart", "1"));
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(c.expected(), StandardCharsets.UTF_8), story.output() + "\n");

        story.page.fill("#temperature", "1,5");
        story.page.fill("#topp", ",25");
        story.page.fill("#seed", "3");
        story.page.fill("#steps", "40");
        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertEquals(new String(Cli.run(Cli.stories260K("-t", "1.5", "-p", ".25", "-s", "3", "-n", "40", "-i", c.prompt()))
                .stdout(), StandardCharsets.UTF_8), story.output() + "\n");
        story.page.click("#link");
        assertTrue(story.address().contains("temperature=1.5") && story.address().contains("topp=.25"),
                story.address());
    }

    // ----------------------------------------------------------------------------
    // settings kept

    @EngineNeutral
    @Test
    void settingsAreKeptAcrossVisitsUnlessALinkGivesThem() {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of());
        story.page.selectOption("#model", "url");
        story.page.fill("#model-url", "models/stories260K.bin");
        story.page.fill("#prompt", "A cat\nsat");
        story.page.fill("#temperature", "0.5");
        story.page.fill("#steps", "77");
        story.page.reload();
        assertEquals("url", story.page.inputValue("#model"));
        assertEquals("models/stories260K.bin", story.page.inputValue("#model-url"));
        assertEquals("A cat\nsat", story.page.inputValue("#prompt"));
        assertEquals("0.5", story.page.inputValue("#temperature"));
        assertEquals("77", story.page.inputValue("#steps"));

        story.open(site.root.url(), Map.of("prompt", "The dog"));
        assertEquals("The dog", story.page.inputValue("#prompt"));
        assertEquals("1.0", story.page.inputValue("#temperature"), "a link's story, not the kept settings");
        assertEquals("256", story.page.inputValue("#steps"));
        assertEquals("local-260K", story.page.inputValue("#model"));
    }

    // ----------------------------------------------------------------------------
    // downloads and timing

    /**
     * A server that sends no Content-Length: progress tells bytes and speed, not a percent it
     * cannot know; the first token is timed from Start, so the slow download counts.
     */
    @Test
    void progressWithoutASizeAndTheFirstTokenTimedFromStart() {
        try (SlowServer slow = new SlowServer()) {
            StoryPage story = desktop();
            story.open(site.root.url(), Map.of("model", slow.url(false, "stories260K.bin"),
                    "tokenizer", site.root.url() + "models/tok512.bin", "temperature", "0", "steps", "30"));
            story.page.evaluate("() => { window.progressSeen = []; const bar = document.getElementById('progress');"
                    + " new MutationObserver(() => window.progressSeen.push((bar.hasAttribute('value') ? 'bar ' : 'no bar ')"
                    + "   + document.getElementById('progress-text').textContent))"
                    + " .observe(document.getElementById('progress-text'), {childList: true, characterData: true, subtree: true}); }");
            story.page.click("#start");
            story.waitForState("done", "error");
            assertEquals("done", story.state(), story.status());
            @SuppressWarnings("unchecked")
            List<String> seen = (List<String>) story.page.evaluate("window.progressSeen");
            List<String> modelWhileLoading = seen.stream().filter((s) -> s.contains("model: ") && !s.contains("of 1.0 MB"))
                    .toList();
            assertTrue(modelWhileLoading.stream().anyMatch((s) -> s.matches("no bar model: [\\d.]+ [KM]B · [\\d.]+ [KM]B/s")),
                    String.join(" | ", seen));
            assertTrue(modelWhileLoading.stream().noneMatch((s) -> s.contains("%") || s.contains("left")),
                    String.join(" | ", seen));
            double downloadMs = (SlowServer.PIECES - 1) * SlowServer.PAUSE_MS;
            assertTrue(firstTokenMs(story.status()) >= downloadMs, story.status() + ": the download counts");

            story.page.click("#start");
            story.waitForState("done", "error");
            assertEquals("done", story.state(), story.status());
            double second = firstTokenMs(story.status());
            assertTrue(second > 0 && second < downloadMs, story.status());
        }
    }

    /** With a Content-Length, progress says how much of how much, the speed and the time left. */
    @Test
    void progressWithASizeTellsTheTimeLeft() {
        try (SlowServer slow = new SlowServer()) {
            StoryPage story = desktop();
            story.open(site.root.url(), Map.of("model", slow.url(true, "stories260K.bin"),
                    "tokenizer", site.root.url() + "models/tok512.bin", "temperature", "0", "steps", "10"));
            story.page.evaluate("() => { window.progressSeen = [];"
                    + " new MutationObserver(() => window.progressSeen.push(document.getElementById('progress-text').textContent))"
                    + " .observe(document.getElementById('progress-text'), {childList: true, characterData: true, subtree: true}); }");
            story.page.click("#start");
            story.waitForState("done", "error");
            assertEquals("done", story.state(), story.status());
            String seen = String.valueOf(story.page.evaluate("window.progressSeen.join(' | ')"));
            assertTrue(Pattern.compile("model: \\d+ KB of 1\\.0 MB \\(\\d+%\\) · [\\d.]+ [KM]B/s · \\d+ s left").matcher(seen)
                    .find(), seen);
        }
    }

    /**
     * Stop mid-download: the progress line keeps how far it got, and says it stopped, not a speed
     * and a time left; the model loaded before is gone from the worker, and from the page.
     */
    @Test
    void aStoppedDownloadSaysHowFarItGotAndTheOldModelIsNoLongerDescribed() {
        // 2.8 s of download: at 120 ms a pause, one CI run's Firefox moved Stop (not stable) until
        // the whole 1 MB was in and the story had run, so Stop was off when clicked
        try (SlowServer slow = new SlowServer(400)) {
            StoryPage story = desktop();
            story.open(site.root.url(), StoryPage.stories260K("temperature", "0", "steps", "10", "autostart", "1"));
            story.waitForState("done", "error");
            assertTrue(story.page.textContent("#shape").contains("dim 64"), story.page.textContent("#shape"));

            story.page.selectOption("#model", "url");
            story.page.fill("#model-url", slow.url(true, "stories260K.bin"));
            story.page.click("#start");
            story.waitUntil("() => / of 1\\.0 MB \\(\\d+%\\)/.test(document.getElementById('progress-text').textContent)", null);
            story.page.click("#stop");
            story.waitForState("stopped");
            String progress = story.page.textContent("#progress-text");
            assertTrue(progress.matches("model: \\d+ KB of 1\\.0 MB \\(\\d+%\\) · stopped"), progress);
            assertEquals("not loaded", story.page.textContent("#shape"));
        }
    }

    /**
     * After a load fails, the bundled model is offered where the server has it, and not on a
     * server without it (it was offered there, and failed in turn).
     */
    @EngineNeutral
    @Test
    void theBundledModelIsOfferedOnlyWhereTheServerHasIt() throws IOException {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of("model", "models/missing.bin", "tokenizer", "models/tok512.bin",
                "autostart", "1"));
        story.waitForState("error", "done");
        story.waitUntil("() => !document.getElementById('store-note').hasAttribute('aria-busy')", null);
        assertEquals("These models need no download: stories260K (with this page)",
                story.page.textContent("#store-note"));

        Path models = Files.createDirectories(site.work.resolve("models-without-260K"));
        Files.copy(Shared.model("tok512.bin"), models.resolve("tok512.bin"), StandardCopyOption.REPLACE_EXISTING);
        try (SiteServer bare = new SiteServer(TestSite.sitePath(), models, 0, "/")) {
            story.open(bare.url(), Map.of("model", "models/missing.bin", "tokenizer", "models/tok512.bin",
                    "autostart", "1"));
            story.waitForState("error", "done");
            story.waitUntil("() => !document.getElementById('store-note').hasAttribute('aria-busy')", null);
            assertTrue(story.page.isHidden("#store-note"), story.page.textContent("#store-note"));
        }
    }

    // ----------------------------------------------------------------------------
    // before Start: what cannot work here

    @Test
    void withoutWebAssemblyGcStartIsOffAndTheBrowsersAreNamed() {
        StoryPage story = desktop();
        assertFalse(story.page.isVisible("#notice"));
        story.page.addInitScript("WebAssembly.validate = () => false;");
        story.open(site.root.url(), StoryPage.stories260K("autostart", "1"));
        assertTrue(story.page.isDisabled("#start"));
        String notice = story.page.textContent("#notice");
        assertTrue(notice.contains("WebAssembly GC") && notice.contains("Chrome and Edge 119")
                && notice.contains("Firefox 120") && notice.contains("Safari 18.2"), notice);
        assertTrue(story.page.isVisible("#notice"));
        assertEquals("unsupported", story.state());
        story.page.waitForTimeout(300);
        assertEquals("unsupported", story.state(), "a link's autostart does not start either");
    }

    @Test
    void aPageOpenedAsAFileSaysHowToServeIt() {
        StoryPage story = desktop();
        Path index = Path.of(System.getProperty("teallama.site", "../web/target/site")).resolve("index.html");
        story.page.navigate(index.toAbsolutePath().normalize().toUri().toString());
        String notice = story.page.textContent("#notice");
        assertTrue(notice.contains("mvn -B package -DskipTests && java -jar web/target/teallama-web.jar"), notice);
        assertTrue(story.page.isDisabled("#start"));
        assertTrue(story.page.isVisible("#notice"));
    }

    // ----------------------------------------------------------------------------
    // the benchmark page and the footer

    @Test
    void theBenchmarkPageStopsAndWritesItsUnitsInLowerCase() {
        StoryPage story = desktop();
        story.page.navigate(site.root.url() + "bench.html?model=models/random15M.bin&tokenizer=models/tokenizer.bin"
                + "&runs=20&steps=256&autostart=1");
        story.waitUntil("() => document.getElementById('status').textContent.startsWith('Run ')", null);
        story.page.click("#stop");
        assertEquals("stopped", story.page.getAttribute("#bench", "data-state"));
        assertFalse(story.page.isDisabled("#start"));
        assertEquals("start", story.page.evaluate("document.activeElement.id"));

        story.page.fill("#runs", "1");
        story.page.fill("#steps", "20");
        story.page.selectOption("#model", "local-260K");
        story.page.click("#start");
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("done", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        assertTrue(story.page.innerText("#median-load").matches("\\d+ ms"), story.page.innerText("#median-load"));
        assertTrue(story.page.innerText("#results").contains(" ms"), story.page.innerText("#results"));
        assertEquals(story.page.evaluate("getComputedStyle(document.querySelector('footer a')).color"),
                story.page.evaluate("getComputedStyle(document.querySelector('.actions a')).color"), "a styled link");
        assertTrue(story.page.isVisible("footer a[href='LICENSE.txt']"));
    }

    /** A tokenizer in the address goes with a preset's model there too, as on the story page (it was ignored). */
    @EngineNeutral
    @Test
    void theBenchmarkPageTakesATokenizerWithAPreset() {
        StoryPage story = desktop();
        story.page.navigate(site.root.url() + "bench.html?model=local-260K&tokenizer=models/nothing.bin"
                + "&runs=1&steps=8&autostart=1");
        story.waitUntil("() => ['done', 'error'].includes(document.getElementById('bench').dataset.state)", null);
        assertEquals("error", story.page.getAttribute("#bench", "data-state"), story.page.textContent("#status"));
        assertEquals("models/nothing.bin: the server answered 404 Not Found", story.page.textContent("#status"));
        assertEquals("url", story.page.inputValue("#model"));
        assertEquals("models/stories260K.bin", story.page.inputValue("#model-url"));
    }

    @EngineNeutral
    @Test
    void theFooterCreditsAndLicenceAndTheLinkPreview() {
        StoryPage story = desktop();
        story.open(site.root.url(), Map.of());
        for (String href : List.of("https://github.com/karpathy/llama2.c", "https://arxiv.org/abs/2305.07759", "LICENSE.txt")) {
            assertTrue(story.page.isVisible("footer a[href='" + href + "']"), href);
        }
        String footer = story.page.textContent("footer");
        assertTrue(footer.contains("Karpathy") && footer.contains("TinyStories") && footer.contains("Eldan")
                && footer.contains("MIT"), footer);
        APIResponse licence = story.page.request().get(site.root.url() + "LICENSE.txt");
        assertEquals(200, licence.status());
        assertTrue(licence.text().startsWith("MIT License"), licence.text());
        for (String meta : List.of("meta[property='og:title']", "meta[property='og:description']", "meta[name='twitter:card']")) {
            assertFalse(String.valueOf(story.page.getAttribute(meta, "content")).isBlank(), meta);
        }
    }
}

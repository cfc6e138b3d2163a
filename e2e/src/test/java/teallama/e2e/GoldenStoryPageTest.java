package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import teallama.Cli;
import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;

/**
 * A link with a golden case's settings tells run.c's story byte for byte, on one worker and split
 * over two and three; subclasses name the browser. The cases take turns in one tab, as a reader
 * opening link after link: each link loads a new page, with its own workers, and a tab costs this
 * machine a second and a half of a core before its first page is done.
 */
abstract class GoldenStoryPageTest extends PagesTest {
    /** Every golden case, on two threads and on three in turn. */
    List<Object[]> casesAndThreads() {
        List<Object[]> cases = new ArrayList<>();
        List<Case> golden = GoldenGenerateTest.cases();
        for (int i = 0; i < golden.size(); i++) {
            cases.add(new Object[] {golden.get(i), i % 2 == 0 ? 2 : 3});
        }
        return cases;
    }

    @ParameterizedTest
    @MethodSource("teallama.GoldenGenerateTest#cases")
    void tellsTheGoldenStory(Case c) {
        byte[] shown = tell(c, 0);
        assertArrayEquals(Cli.run(c.args()).stdout(), shown, "the command line prints the same");
    }

    @ParameterizedTest
    @MethodSource("casesAndThreads")
    void tellsTheGoldenStoryOnSeveralThreads(Case c, int threads) {
        tell(c, threads);
    }

    /**
     * Tells the case's story on this many threads (0: as many as the page chooses, one for
     * stories260K), as run.c told it; the story's bytes.
     */
    private byte[] tell(Case c, int threads) {
        Map<String, String> link = StoryPage.stories260K("prompt", c.prompt(), "temperature", c.temperature(),
                "topp", c.topp(), "seed", c.seed(), "steps", c.steps(), "autostart", "1");
        if (threads > 0) {
            link.put("threads", String.valueOf(threads));
        }
        StoryPage story = sharedTab();
        story.open(site.root.url(), link);
        try {
            story.waitForState("done", "error");
        } catch (RuntimeException e) {
            throw new AssertionError("no end after " + story.tokens() + " tokens; status: " + story.status(), e);
        }
        assertEquals("done", story.state(), story.status());
        // run.c ends with printf("\n") after the loop; the page shows the story alone
        byte[] shown = (story.output() + "\n").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(c.expected(), shown, () -> "expected:\n" + new String(c.expected(), StandardCharsets.UTF_8)
                + "\nfound:\n" + story.output());
        String shape = story.page.textContent("#shape");
        assertTrue(shape.endsWith(threads == 0 ? " · one thread" : " · " + threads + " threads"), shape);
        return shown;
    }
}

package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChromiumInspectorPageTest extends InspectorPageTest {
    @Override
    String browserName() {
        return "chromium";
    }

    /** (Chromium only: Playwright's tap reaches no page over Firefox's WebDriver BiDi.) */
    @Test
    void tappingATokenOnAPhoneShowsItsCandidates() {
        StoryPage story = tellStory(phone(), "1");
        String token = story.page.getAttribute(generated(3), "data-token");
        story.page.tap(generated(3));
        story.waitUntil("t => document.querySelector('#inspector tr[data-sampled]')?.dataset.token === t", token);
        assertEquals(10, rows(story).size());
        assertTrue(((Number) story.page.evaluate("document.getElementById('inspector').getBoundingClientRect().bottom"))
                .doubleValue() <= 844, "the candidates came into view");
    }
}

package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ChromiumOfflineTest extends OfflineTest {
    @Override
    String browserName() {
        return "chromium";
    }

    /**
     * Past the site's quota (set small through Chromium's DevTools protocol; no other browser can),
     * the story runs and the page says that the site's storage is full, not the disk; the
     * tokenizer, which fits, is kept.
     */
    @Test
    void aModelPastTheQuotaIsNotKeptAndThePageSaysWhy() {
        StoryPage story = newStory();
        JsonObject quota = new JsonObject();
        quota.addProperty("origin", site.root.url().replaceAll("/$", ""));
        quota.addProperty("quotaSize", 900_000);
        story.page.context().newCDPSession(story.page).send("Storage.overrideQuotaForOrigin", quota);
        story.open(site.root.url(), case03("local-260K", null, "autostart", "1"));
        waitForEnd(story);
        assertGolden(story);
        story.waitUntil("() => !document.getElementById('store-note').hidden", null);
        assertEquals("The model could not be kept for next time: the browser's storage for this site is full. "
                + "The story runs all the same.", story.page.textContent("#store-note"));
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 1");
        assertEquals(List.of(site.root.url() + "models/tok512.bin"), stored(story));
    }
}

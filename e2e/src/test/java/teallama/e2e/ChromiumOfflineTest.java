package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;

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

    /** A download that fails offline says so, rather than suspect the address or the server (of another machine). */
    @Test
    void aDownloadOfflineSaysSo() {
        StoryPage story = newStory();
        story.open(site.root.url(), case03("local-260K", null, "autostart", "1"));
        waitForEnd(story);
        assertGolden(story);
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 2");

        story.page.context().setOffline(true);
        startUnreachableModel(story);
        assertEquals("https://models.invalid/stories15M.bin: could not download it, as this device is offline",
                story.status());
        assertEquals("These models need no download: stories260K (stored)", story.page.textContent("#store-note"));
    }

    /**
     * A model removed from the store while a load reads it, as another tab's Remove does (here the
     * page's own store, called directly, once the load has opened it: its next report may come after
     * the last byte), ends the load saying so, and the next Start downloads it.
     * (Chromium breaks off reading a removed file; Firefox was not at hand to see what it does.)
     */
    @Test
    void aStoredModelRemovedWhileItIsReadIsDownloadedAgain() {
        StoryPage story = reopenedWithRandom15MStored();
        String model = random15M().get("model");
        story.page.evaluate("(model) => {"
                + "  const text = document.getElementById('progress-text');"
                + "  const watch = new MutationObserver(() => {"
                + "    if (!/^model from storage: /.test(text.textContent)) return;"
                + "    watch.disconnect();"
                + "    modelStore.remove(model);"
                + "  });"
                + "  watch.observe(text, {childList: true, characterData: true, subtree: true});"
                + "  document.getElementById('start').click(); }", model);
        story.waitForState("done", "error");
        assertEquals("error", story.state());
        assertTrue(story.status().matches(Pattern.quote(model) + ": its copy in this browser's storage "
                + "could not be read after \\d+ of 60816028 bytes \\(removed in another tab\\?\\); Start downloads it again"),
                story.status());
        // the list no longer shows the copy that is gone (and the other tabs hear of it)
        waitFor(story, "document.querySelectorAll('#stored-list li').length === 1"
                + " && document.querySelector('#stored-list li').textContent.startsWith('tokenizer.bin')");

        story.page.click("#start");
        story.waitForState("done", "error");
        assertEquals("done", story.state(), story.status());
        assertTrue(statusSeen(story).contains("Downloading the model…"), statusSeen(story));
    }
}

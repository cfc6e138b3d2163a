package teallama.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The policies the server sends are the ones the pages carry and the README gives to other hosts. */
class SecurityHeadersTest {
    private static final Path STATIC = Path.of("../static");

    @Test
    void everyPageCarriesThePagePolicyInAMetaElement() throws IOException {
        List<Path> pages;
        try (Stream<Path> files = Files.list(STATIC)) {
            pages = files.filter(f -> f.toString().endsWith(".html")).sorted().toList();
        }
        assertTrue(pages.size() >= 2, pages.toString());
        String meta = "<meta http-equiv=\"Content-Security-Policy\" content=\"" + SecurityHeaders.PAGE_POLICY + "\">";
        for (Path page : pages) {
            String html = Files.readString(page);
            assertTrue(html.contains("\n  <meta charset=\"utf-8\">\n  " + meta + "\n"),
                    page + " should carry, right after its charset, " + meta);
        }
        assertFalse(SecurityHeaders.PAGE_POLICY.contains("frame-ancestors"), "browsers ignore it in a meta element");
    }

    @Test
    void theReadmeGivesTheHeadersToOtherHosts() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (var header : SecurityHeaders.forFile(false, "text/html").entrySet()) {
            assertTrue(readme.contains(header.getKey() + ": " + header.getValue()), "README.md lacks " + header);
        }
        assertTrue(readme.contains("Content-Security-Policy: " + SecurityHeaders.WORKER_POLICY), "README.md lacks the worker policy");
        assertTrue(readme.contains("Content-Security-Policy: " + SecurityHeaders.SERVICE_WORKER_POLICY),
                "README.md lacks the service worker's policy");
    }
}

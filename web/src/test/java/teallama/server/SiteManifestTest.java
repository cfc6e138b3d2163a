package teallama.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service worker's list of the site's files, and the build's version in sw.js. */
class SiteManifestTest {
    /** SHA-256 of "a" and of "b", as sha256sum prints them. */
    private static final String SHA256_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
    private static final String SHA256_B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
    private static final String WORKER = "\"use strict\";\nconst BUILD = \"unbuilt\"; // set by the build\n"
            + "const FILES = []; // the paths, set by the build\nself.x = 1;\n";
    private static final String FILES = "const FILES = [\"docs/b.txt\", \"index.html\"]; // the paths, set by the build";

    @TempDir
    Path site;

    @BeforeEach
    void site() throws IOException {
        Files.writeString(site.resolve("index.html"), "a");
        Files.createDirectories(site.resolve("docs"));
        Files.writeString(site.resolve("docs/b.txt"), "b");
        Files.writeString(site.resolve("sw.js"), WORKER);
        Files.createDirectories(site.resolve("models"));
        Files.writeString(site.resolve("models/stories260K.bin"), "a model is the store's, not the site's");
        Files.writeString(site.resolve(".nojekyll"), "hidden files are not served, so not listed");
        Files.createDirectories(site.resolve("docs/.cache"));
        Files.writeString(site.resolve("docs/.cache/c.txt"), "c");
    }

    @Test
    void listsEachFileWithItsHashButNotModelsNorTheWorkerNorHiddenFiles() throws IOException {
        String version = SiteManifest.write(site);
        assertEquals(List.of(new SiteManifest.Entry("docs/b.txt", 1, SHA256_B),
                new SiteManifest.Entry("index.html", 1, SHA256_A)), SiteManifest.entries(site));
        String json = Files.readString(site.resolve("site-manifest.json"));
        assertTrue(json.startsWith("{\"version\": \"" + version + "\",\n\"files\": [\n"
                + "  {\"path\": \"docs/b.txt\", \"bytes\": 1, \"sha256\": \"" + SHA256_B + "\"},\n"
                + "  {\"path\": \"index.html\", \"bytes\": 1, \"sha256\": \"" + SHA256_A + "\"}\n"
                + "],\n\"headers\": {\n"), json);
        String policy = "{\"Content-Security-Policy\": \"";
        assertTrue(json.contains("\"script\": " + policy + SecurityHeaders.WORKER_POLICY + "\""), json);
        assertTrue(json.contains("\"other\": " + policy + SecurityHeaders.PAGE_HEADER_POLICY + "\""), json);
        assertTrue(json.contains("\"Cross-Origin-Embedder-Policy\": \"require-corp\""), json);
        assertTrue(json.contains("\"Cross-Origin-Opener-Policy\": \"same-origin\""), json);
        assertEquals(built(version), Files.readString(site.resolve("sw.js")));
        assertTrue(version.matches("[0-9a-f]{16}"), version);
    }

    @Test
    void anyChangedFileMakesANewVersionAndTheSameFilesTheSame() throws IOException {
        String first = SiteManifest.write(site);
        assertEquals(first, SiteManifest.write(site), "written again, sw.js keeps one version line");
        assertEquals(built(first), Files.readString(site.resolve("sw.js")));
        Files.writeString(site.resolve("models/tok512.bin"), "models do not count");
        assertEquals(first, SiteManifest.write(site));

        Files.writeString(site.resolve("docs/b.txt"), "B");
        String second = SiteManifest.write(site);
        assertNotEquals(first, second);
        assertEquals(built(second), Files.readString(site.resolve("sw.js")));
    }

    /** A demo kit's list of models is one of its files: the page finds it, and the worker keeps it. */
    @Test
    void aKitsListOfModelsIsListed() throws IOException {
        Files.writeString(site.resolve("models/index.json"), "a");
        SiteManifest.write(site);
        assertEquals(List.of("docs/b.txt", "index.html", "models/index.json"),
                SiteManifest.entries(site).stream().map(SiteManifest.Entry::path).toList());
    }

    /** A path that holds what ends the files' line is written whole, and again as it was. */
    @Test
    void aPathWithTheEndOfTheFilesLineInItIsWrittenWholeAndAgain() throws IOException {
        Files.writeString(site.resolve("docs/odd ]; \"name\".txt"), "c");
        String version = SiteManifest.write(site);
        String files = "const FILES = [\"docs/b.txt\", \"docs/odd ]; \\\"name\\\".txt\", \"index.html\"];";
        String expected = WORKER.replace("unbuilt", version).replace("const FILES = [];", files);
        assertEquals(expected, Files.readString(site.resolve("sw.js")));
        SiteManifest.write(site);
        assertEquals(expected, Files.readString(site.resolve("sw.js")));
    }

    /** sw.js as the build writes it, with this version and the site's two files. */
    private static String built(String version) {
        return WORKER.replace("unbuilt", version).replace("const FILES = []; // the paths, set by the build", FILES);
    }

    @Test
    void refusesASiteWithoutItsServiceWorkerOrItsVersionLineOrItsFilesLine() throws IOException {
        Files.writeString(site.resolve("sw.js"), "self.x = 1;\n");
        IOException noLine = assertThrows(IOException.class, () -> SiteManifest.write(site));
        assertEquals("sw.js has no line const BUILD = \"...\"; for the build's version", noLine.getMessage());
        Files.writeString(site.resolve("sw.js"), "const BUILD = \"unbuilt\";\nconst FILES = [\n];\n");
        IOException noFilesLine = assertThrows(IOException.class, () -> SiteManifest.write(site));
        assertEquals("sw.js has no line const FILES = [...]; for the build's files", noFilesLine.getMessage());
        Files.delete(site.resolve("sw.js"));
        IOException noWorker = assertThrows(IOException.class, () -> SiteManifest.write(site));
        assertEquals("no sw.js in " + site + " to write the build's version into", noWorker.getMessage());
    }
}

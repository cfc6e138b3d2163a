package teallama.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teallama.Shared;

/** The offline demo kit: the site, the chosen files and their list, or a clear refusal and no folder. */
class DemoKitTest {
    @TempDir
    Path dir;
    Path site;
    Path stories260K;
    Path tok512;

    @BeforeEach
    void site() throws IOException {
        site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("index.html"), "<!DOCTYPE html>");
        Files.writeString(site.resolve("worker.js"), "// worker");
        Files.createDirectories(site.resolve("docs"));
        Files.writeString(site.resolve("docs/a.txt"), "a");
        Files.createDirectories(site.resolve("models"));
        Files.writeString(site.resolve("models/old.bin"), "a model folder of the site's own");
        stories260K = Shared.model("stories260K.bin");
        tok512 = Shared.model("tok512.bin");
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted().toList();
        }
    }

    @Test
    void writesTheSiteTheFilesAndTheirList() throws Exception {
        Path out = dir.resolve("new/kit");
        Path randomMini = Shared.model("random-mini.bin");
        List<DemoKit.Entry> entries = DemoKit.write(site, out, List.of(new DemoKit.Choice(stories260K, tok512),
                new DemoKit.Choice(randomMini, tok512)));

        assertEquals(List.of("docs/a.txt", "index.html", "models/index.json", "models/random-mini.bin",
                "models/stories260K.bin", "models/tok512.bin", "worker.js"), files(out));
        assertArrayEquals(Shared.read(stories260K), Files.readAllBytes(out.resolve("models/stories260K.bin")));
        assertArrayEquals(Shared.read(randomMini), Files.readAllBytes(out.resolve("models/random-mini.bin")));
        assertArrayEquals(Shared.read(tok512), Files.readAllBytes(out.resolve("models/tok512.bin")));
        // sizes from ../shared/models/README.md
        assertEquals("""
                {"models": [
                  {"name": "stories260K", "model": "stories260K.bin", "tokenizer": "tok512.bin", "modelBytes": 1056540, "tokenizerBytes": 6227},
                  {"name": "random-mini", "model": "random-mini.bin", "tokenizer": "tok512.bin", "modelBytes": 1853980, "tokenizerBytes": 6227}
                ]}
                """, Files.readString(out.resolve("models/index.json")));
        assertEquals(2, entries.size());
        assertEquals(List.of("kit"), Files.list(dir.resolve("new")).map(p -> p.getFileName().toString()).toList(),
                "no partial folder left beside it");
    }

    /** The folder itself stays, as where a shell is (".") or a mount point must: the kit's files move into it. */
    @Test
    void anEmptyFolderMayBeUsed() throws Exception {
        Path out = Files.createDirectories(dir.resolve("empty"));
        Object folder = Files.readAttributes(out, BasicFileAttributes.class).fileKey();
        DemoKit.write(site, out, List.of(new DemoKit.Choice(stories260K, tok512)));
        assertEquals(List.of("docs/a.txt", "index.html", "models/index.json", "models/stories260K.bin",
                "models/tok512.bin", "worker.js"), files(out));
        assertEquals(folder, Files.readAttributes(out, BasicFileAttributes.class).fileKey(), "the same folder");
        try (Stream<Path> inside = Files.list(out)) {
            assertEquals(List.of("docs", "index.html", "models", "worker.js"),
                    inside.map(p -> p.getFileName().toString()).sorted().toList(), "no partial folder left");
        }
    }

    /** A built site's kit lists models/index.json in its manifest, under a version of its own, for the page and its worker. */
    @Test
    void aBuiltSitesKitListsItsModelsInTheSiteManifest() throws Exception {
        Files.writeString(site.resolve("sw.js"), "const BUILD = \"unbuilt\";\nconst FILES = [];\n");
        String siteVersion = SiteManifest.write(site);
        Path out = dir.resolve("kit");
        DemoKit.write(site, out, List.of(new DemoKit.Choice(stories260K, tok512)));
        assertEquals(List.of("docs/a.txt", "index.html", "models/index.json", "worker.js"),
                SiteManifest.entries(out).stream().map(SiteManifest.Entry::path).toList());
        String kitVersion = SiteManifest.version(SiteManifest.entries(out));
        assertNotEquals(siteVersion, kitVersion);
        assertTrue(Files.readString(out.resolve("site-manifest.json")).startsWith("{\"version\": \"" + kitVersion + "\""));
        assertEquals("const BUILD = \"" + kitVersion + "\";\nconst FILES = [\"docs/a.txt\", \"index.html\", "
                + "\"models/index.json\", \"worker.js\"];\n", Files.readString(out.resolve("sw.js")));
        assertEquals("const BUILD = \"" + siteVersion + "\";\nconst FILES = [\"docs/a.txt\", \"index.html\", \"worker.js\"];\n",
                Files.readString(site.resolve("sw.js")), "the site is unchanged");
    }

    private void assertRefused(Path out, List<DemoKit.Choice> choices, String message) throws IOException {
        Failure failure = assertThrows(Failure.class, () -> DemoKit.write(site, out, choices));
        assertEquals(message, failure.getMessage());
        try (Stream<Path> left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial folder");
        }
    }

    @Test
    void refusesWhatWouldMakeABrokenKit() throws IOException {
        Path out = dir.resolve("kit");
        Path missing = dir.resolve("missing.bin");
        Path tokenizer = Shared.model("tokenizer.bin");
        assertRefused(out, List.of(new DemoKit.Choice(missing, tok512)), "no model file at " + missing);
        assertRefused(out, List.of(new DemoKit.Choice(stories260K, missing)), "no tokenizer file at " + missing);
        assertRefused(out, List.of(new DemoKit.Choice(stories260K, tokenizer)), tokenizer + " (the tokenizer for "
                + stories260K + "): the tokenizer has 32000 entries, the model's vocab_size is 512");
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesFilesThatAreNotWhatTheySay() throws Exception {
        Path out = dir.resolve("kit");
        Failure notAModel = assertThrows(Failure.class,
                () -> DemoKit.write(site, out, List.of(new DemoKit.Choice(tok512, tok512))));
        assertEquals(tok512 + ": ", notAModel.getMessage().substring(0, tok512.toString().length() + 2));
        assertRefused(out, List.of(new DemoKit.Choice(stories260K, tok512), new DemoKit.Choice(stories260K, tok512)),
                "the model stories260K is given twice");
        Path copy = Files.copy(tok512, Files.createDirectories(dir.resolve("other")).resolve("tok512.bin"));
        DemoKit.write(site, out, List.of(new DemoKit.Choice(stories260K, tok512),
                new DemoKit.Choice(Shared.model("random-mini.bin"), copy)));
        assertEquals(List.of("index.json", "random-mini.bin", "stories260K.bin", "tok512.bin"),
                files(out.resolve("models")), "the same bytes under one name are one file");
    }

    @Test
    void twoDifferentFilesCannotShareAName() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other")).resolve("stories260K.bin");
        Files.copy(Shared.model("random-mini.bin"), other);
        assertRefused(dir.resolve("kit"), List.of(new DemoKit.Choice(stories260K, tok512), new DemoKit.Choice(other, tok512)),
                "two different files named stories260K.bin: " + stories260K + " and " + other);
    }

    @Test
    void refusesANameThePageWouldRefuse() throws IOException {
        Path backslash = Files.copy(stories260K, dir.resolve("tiny\\260K.bin"));
        assertRefused(dir.resolve("kit"), List.of(new DemoKit.Choice(backslash, tok512)),
                backslash + ": the page takes no file name with \\ (some servers read it as a folder); rename the file");
        Path hidden = Files.copy(tok512, dir.resolve(".tok.bin"));
        assertRefused(dir.resolve("kit"), List.of(new DemoKit.Choice(stories260K, hidden)), hidden
                + ": the local server, as many others, serves no file whose name starts with a dot; rename the file");
    }

    /** The kit's folder is made as any new folder (a temporary one was its owner's alone, unread by a web server). */
    @Test
    void theKitsFolderHasANewFoldersPermissions() throws Exception {
        Path out = dir.resolve("new/kit");
        DemoKit.write(site, out, List.of(new DemoKit.Choice(stories260K, tok512)));
        Path plain = Files.createDirectory(dir.resolve("new/plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out.resolve("models")));
    }

    @Test
    void refusesAFolderThatIsNotNewOrEmpty() throws IOException {
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        assertRefused(full, List.of(new DemoKit.Choice(stories260K, tok512)),
                full + " already exists and is not an empty folder; give the kit a new folder");
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertRefused(file, List.of(new DemoKit.Choice(stories260K, tok512)),
                file + " already exists and is not an empty folder; give the kit a new folder");
        Path inside = site.resolve("kit");
        assertRefused(inside, List.of(new DemoKit.Choice(stories260K, tok512)),
                inside + " is inside the site " + site + "; give the kit a folder elsewhere");
        // through a symbolic link the kit copied its partial folder into itself, until names grew too long
        Path throughLink = Files.createSymbolicLink(dir.resolve("link"), site).resolve("kit");
        assertRefused(throughLink, List.of(new DemoKit.Choice(stories260K, tok512)),
                throughLink + " is inside the site " + site + "; give the kit a folder elsewhere");
        assertRefused(file.resolve("kit"), List.of(new DemoKit.Choice(stories260K, tok512)),
                file.resolve("kit") + ": " + file + " is a file, not a folder; give the kit a folder");
        assertRefused(Path.of(""), List.of(new DemoKit.Choice(stories260K, tok512)),
                "kit expects a folder to write, found an empty name");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        assertRefused(dangling, List.of(new DemoKit.Choice(stories260K, tok512)),
                dangling + " is a link to " + dir.resolve("nowhere") + ", which does not exist; give the kit a folder");
        Path noSite = dir.resolve("no-site");
        Failure failure = assertThrows(Failure.class,
                () -> DemoKit.write(noSite, dir.resolve("kit"), List.of(new DemoKit.Choice(stories260K, tok512))));
        assertEquals("no site at " + noSite + " (build it with: mvn -B package -DskipTests)", failure.getMessage());
    }
}

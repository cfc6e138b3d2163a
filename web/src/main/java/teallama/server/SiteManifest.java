package teallama.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The build's list of the site's files for the service worker (static/sw.js): each file with its
 * SHA-256, a version that changes whenever any of them does, and the headers this server sends
 * (so that a host that sends none, such as GitHub Pages, gets them from the service worker). The
 * version is also written into sw.js, because browsers look for a new service worker by
 * comparing its script: a new build is then a new worker, which caches the new files whole and
 * deletes the old ones. So are the files' paths, which the worker answers and nothing else.
 * Maven runs it once the site is assembled:
 *
 * <pre>
 * {"version": "3f2a...", "files": [{"path": "app.js", "bytes": 12672, "sha256": "..."}, ...],
 *  "headers": {"script": {...}, "other": {...}}}
 * </pre>
 *
 * The models folder is left out (models are the model store's, not the site's) except for an
 * offline demo kit's list of models, models/index.json, which the page reads when the manifest
 * lists it ({@link DemoKit} writes the manifest again); and so are sw.js and this list, which
 * the browser fetches itself.
 */
public final class SiteManifest {
    static final String FILE = "site-manifest.json";
    static final String WORKER = "sw.js";
    static final String KIT_INDEX = "models/index.json";
    private static final String VERSION_PREFIX = "const BUILD = \"";
    private static final String FILES_PREFIX = "const FILES = [";

    private SiteManifest() {
    }

    /** java teallama.server.SiteManifest SITE_DIR */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("expected one argument, the site folder; found " + args.length);
        }
        write(Path.of(args[0]));
    }

    /** A file of the site: its path with forward slashes, its length and SHA-256 in hex. */
    record Entry(String path, long bytes, String sha256) {
    }

    /** Writes site-manifest.json, and the version and the files' paths in sw.js; returns the version. */
    static String write(Path site) throws IOException {
        Path worker = site.resolve(WORKER);
        if (!Files.isRegularFile(worker)) {
            throw new IOException("no " + WORKER + " in " + site + " to write the build's version into");
        }
        List<Entry> entries = entries(site);
        String version = version(entries);
        Files.writeString(site.resolve(FILE), json(version, entries), StandardCharsets.UTF_8);
        List<String> paths = entries.stream().map(Entry::path).toList();
        Files.writeString(worker, withBuild(Files.readString(worker, StandardCharsets.UTF_8), version, paths),
                StandardCharsets.UTF_8);
        return version;
    }

    /** The site's files in path order, without hidden ones, models/ (but for a kit's index), sw.js and the manifest. */
    static List<Entry> entries(Path site) throws IOException {
        try (Stream<Path> files = Files.walk(site)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> site.relativize(file).toString().replace('\\', '/'))
                    .filter(path -> !path.startsWith("models/") && !path.equals(WORKER) && !path.equals(FILE)
                            || path.equals(KIT_INDEX))
                    .filter(path -> Arrays.stream(path.split("/")).noneMatch(SiteFiles::isHidden))
                    .sorted()
                    .map(path -> entry(site, path))
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Entry entry(Path site, String path) {
        try {
            byte[] bytes = Files.readAllBytes(site.resolve(path));
            return new Entry(path, bytes.length, sha256(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first 16 hex digits of the SHA-256 of every path and hash: any change to any file changes it. */
    static String version(List<Entry> entries) {
        StringBuilder listing = new StringBuilder();
        for (Entry e : entries) {
            listing.append(e.path()).append(' ').append(e.sha256()).append('\n');
        }
        return sha256(listing.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /**
     * sw.js with its BUILD constant set to version and its FILES to paths (idempotent: a rebuilt
     * site may keep an old sw.js).
     */
    static String withBuild(String script, String version, List<String> paths) throws IOException {
        String quoted = String.join(", ", paths.stream().map(DemoKit::quote).toList());
        return withConstant(withConstant(script, VERSION_PREFIX, "\";", version, "the build's version"),
                FILES_PREFIX, "];", quoted, "the build's files");
    }

    /**
     * script with what stands between prefix and the last end on prefix's line replaced by value
     * (the last: a path, quoted, may hold the end).
     */
    private static String withConstant(String script, String prefix, String end, String value, String what)
            throws IOException {
        int start = script.indexOf(prefix);
        int lineEnd = start < 0 ? -1 : script.indexOf('\n', start);
        String line = start < 0 ? "" : script.substring(start, lineEnd < 0 ? script.length() : lineEnd);
        int stop = line.lastIndexOf(end);
        if (stop < prefix.length()) {
            throw new IOException(WORKER + " has no line " + prefix + "..." + end + " for " + what);
        }
        return script.substring(0, start + prefix.length()) + value + script.substring(start + stop);
    }

    static String json(String version, List<Entry> entries) {
        StringBuilder json = new StringBuilder("{\"version\": ").append(DemoKit.quote(version)).append(",\n\"files\": [\n");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            json.append("  {\"path\": ").append(DemoKit.quote(e.path())).append(", \"bytes\": ").append(e.bytes())
                    .append(", \"sha256\": ").append(DemoKit.quote(e.sha256())).append('}')
                    .append(i + 1 < entries.size() ? ",\n" : "\n");
        }
        json.append("],\n\"headers\": {\n  \"script\": ").append(object(SecurityHeaders.forFile(false, "text/javascript")))
                .append(",\n  \"other\": ").append(object(SecurityHeaders.forFile(false, "text/html"))).append("\n}}\n");
        return json.toString();
    }

    private static String object(Map<String, String> headers) {
        StringBuilder json = new StringBuilder("{");
        headers.forEach((name, value) -> json.append(json.length() > 1 ? ", " : "").append(DemoKit.quote(name))
                .append(": ").append(DemoKit.quote(value)));
        return json.append('}').toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}

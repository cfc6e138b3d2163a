package teallama.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the site server answers: the file a request names, if its real path lies inside the site
 * or the models folder, with its type, validators (ETag, Last-Modified) and the security headers;
 * or a one-line error in plain text.
 */
final class SiteFiles {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("png", "image/png"),
            Map.entry("svg", "image/svg+xml"));
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final Path site;
    private final Path models;
    private final List<String> base;

    /** The site at basePath ("/" or "/repo/") and, unless models is null, that folder at its models/. */
    SiteFiles(Path site, Path models, String basePath) throws IOException {
        if (!basePath.startsWith("/") || !basePath.endsWith("/")) {
            throw new IllegalArgumentException("the base path must start and end with /, found " + basePath);
        }
        if (!Files.isRegularFile(site.resolve("index.html"))) {
            throw new IOException("no site at " + site + " (build it with: mvn -B package -DskipTests)");
        }
        if (models != null && !Files.isDirectory(models)) {
            throw new IOException("no models folder at " + models);
        }
        // real paths: a file is served only if its own real path lies inside one of these
        this.site = site.toRealPath();
        this.models = models == null ? null : models.toRealPath();
        this.base = basePath.equals("/") ? List.of() : List.of(basePath.substring(1, basePath.length() - 1).split("/", -1));
    }

    /** Answers one request; whether the connection can carry another. */
    boolean respond(HttpRequest request, OutputStream out) throws IOException {
        boolean keepAlive = request.keepAlive();
        boolean head = request.method().equals("HEAD");
        try {
            request.checkHost();
        } catch (HttpError e) {
            writeText(out, e.status, new LinkedHashMap<>(), e.getMessage(), keepAlive, head);
            return keepAlive;
        }
        if (!request.method().equals("GET") && !head) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Allow", "GET, HEAD");
            writeText(out, 405, headers, "the method " + request.method() + " is not allowed; this server answers GET and HEAD",
                    keepAlive, false);
            return keepAlive;
        }
        Path file;
        try {
            file = resolve(request.pathSegments());
        } catch (HttpError e) {
            writeText(out, e.status, new LinkedHashMap<>(), e.getMessage(), keepAlive, head);
            return keepAlive;
        }
        if (file == null) {
            writeText(out, 404, new LinkedHashMap<>(), "not found", keepAlive, head);
            return keepAlive;
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        long length = attributes.size();
        Instant modified = attributes.lastModifiedTime().toInstant();
        String etag = "\"" + Long.toHexString(length) + "-" + Long.toHexString(modified.toEpochMilli()) + "\"";
        boolean serviceWorker = file.equals(site.resolve(SiteManifest.WORKER));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType(file));
        headers.put("Cache-Control", "no-cache"); // revalidate every time: a rebuilt site shows at once
        headers.put("ETag", etag);
        headers.put("Last-Modified", HTTP_DATE.format(modified));
        if (notModified(request, etag, modified)) {
            writeHead(out, serviceWorker, 304, headers, -1, keepAlive);
            out.flush();
            return keepAlive;
        }
        headers.put("Accept-Ranges", "bytes");
        ByteRange range;
        try {
            range = ByteRange.requested(request, etag, length);
        } catch (HttpError e) {
            headers.put("Content-Range", "bytes */" + length);
            writeText(out, e.status, headers, e.getMessage(), keepAlive, head);
            return keepAlive;
        }
        long first = 0;
        long count = length;
        if (range == null) {
            writeHead(out, serviceWorker, 200, headers, length, keepAlive);
        } else {
            first = range.first();
            count = range.length();
            headers.put("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + length);
            writeHead(out, serviceWorker, 206, headers, count, keepAlive);
        }
        if (!head) {
            try (SeekableByteChannel channel = Files.newByteChannel(file)) {
                channel.position(first);
                if (copy(Channels.newInputStream(channel), out, count) < count) {
                    out.flush();
                    return false; // the file shrank while it was sent: the client sees a short body
                }
            }
        }
        out.flush();
        return keepAlive;
    }

    /**
     * The one range of bytes, [first, last], that a request's Range field asks of a file, so that
     * a big model can be fetched a piece at a time (the page does, from its own server). Null means
     * the whole file: no Range, an If-Range that no longer names the file, or what RFC 9110 lets a
     * server ignore (several ranges, another unit, a malformed field).
     */
    record ByteRange(long first, long last) {
        long length() {
            return last - first + 1;
        }

        static ByteRange requested(HttpRequest request, String etag, long fileLength) throws HttpError {
            String field = request.header("range");
            if (field == null) {
                return null;
            }
            String ifRange = request.header("if-range");
            if (ifRange != null && !ifRange.strip().equals(etag)) {
                return null;
            }
            String spec = field.strip();
            if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
                return null;
            }
            spec = spec.substring("bytes=".length()).strip();
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            String from = spec.substring(0, dash).strip();
            String to = spec.substring(dash + 1).strip();
            if (from.isEmpty()) { // the last `to` bytes
                if (!digits(to)) {
                    return null;
                }
                long suffix = Long.parseLong(to);
                if (suffix == 0 || fileLength == 0) {
                    throw unsatisfiable(field, fileLength);
                }
                return new ByteRange(Math.max(0, fileLength - suffix), fileLength - 1);
            }
            if (!digits(from) || !to.isEmpty() && !digits(to)) {
                return null;
            }
            long first = Long.parseLong(from);
            long last = to.isEmpty() ? Long.MAX_VALUE : Long.parseLong(to);
            if (last < first) {
                return null;
            }
            if (first >= fileLength) {
                throw unsatisfiable(field, fileLength);
            }
            return new ByteRange(first, Math.min(last, fileLength - 1));
        }

        private static boolean digits(String s) {
            return !s.isEmpty() && s.length() <= 18 && s.chars().allMatch(c -> c >= '0' && c <= '9');
        }

        private static HttpError unsatisfiable(String field, long fileLength) {
            return new HttpError(416, "expected a range of bytes within the file's " + fileLength + ", found '"
                    + field.strip() + "'");
        }
    }

    /**
     * Whether a file or folder of this name is never served (nor listed in the site manifest): a
     * model still being written (DemoKit's), an editor's or a tool's files.
     */
    static boolean isHidden(String name) {
        return name.startsWith(".");
    }

    /**
     * The file that URL path segments name, or null: only regular files whose real path (symbolic
     * links resolved) lies inside the site or the models folder, and none that is hidden (a name
     * starting with '.', or in such a folder), by the names asked for or by the real path's.
     */
    private Path resolve(List<String> segments) throws HttpError {
        if (segments.size() <= base.size() || !segments.subList(0, base.size()).equals(base)) {
            return null;
        }
        List<String> relative = segments.subList(base.size(), segments.size());
        Path root = site;
        if (models != null && relative.size() > 1 && relative.get(0).equals("models")) {
            root = models;
            relative = relative.subList(1, relative.size());
        }
        Path file = root;
        if (relative.stream().anyMatch(SiteFiles::isHidden)) {
            return null;
        }
        try {
            for (String segment : relative) {
                file = file.resolve(segment.isEmpty() ? "index.html" : segment);
            }
        } catch (InvalidPathException e) {
            throw new HttpError(400, "not a file name here: " + e.getInput());
        }
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real)) {
                return null;
            }
            for (Path name : root.relativize(real)) {
                if (isHidden(name.toString())) {
                    return null; // a link to a hidden file
                }
            }
            if (!Files.isReadable(real)) {
                throw new HttpError(403, "the server may not read " + file.getFileName());
            }
            return real;
        } catch (IOException e) {
            return null; // missing, or in a folder the server may not read
        }
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /** If-None-Match decides when present, as RFC 9110 says; else If-Modified-Since, to the second. */
    private static boolean notModified(HttpRequest request, String etag, Instant modified) {
        String ifNoneMatch = request.header("if-none-match");
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.strip();
                if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        String ifModifiedSince = request.header("if-modified-since");
        if (ifModifiedSince == null) {
            return false;
        }
        try {
            Instant since = ZonedDateTime.parse(ifModifiedSince, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return modified.getEpochSecond() <= since.getEpochSecond();
        } catch (DateTimeParseException e) {
            return false; // an unreadable date is ignored, as the RFC asks
        }
    }

    private static long copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[65536];
        long copied = 0;
        while (copied < length) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - copied));
            if (n < 0) {
                break;
            }
            out.write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    static void writeError(OutputStream out, int status, String message, boolean keepAlive)
            throws IOException {
        writeText(out, status, new LinkedHashMap<>(), message, keepAlive, false);
    }

    /** A one-line plain-text answer, such as "404 Not Found: not found". */
    private static void writeText(OutputStream out, int status, Map<String, String> headers, String message,
            boolean keepAlive, boolean head) throws IOException {
        byte[] body = (status + " " + reason(status) + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
        headers.put("Content-Type", "text/plain; charset=utf-8");
        headers.put("Cache-Control", "no-store");
        writeHead(out, false, status, headers, body.length, keepAlive);
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    /**
     * The status line and header fields (Content-Type among them), then the security headers of the site's
     * service worker or of any other answer; length -1 for none.
     */
    private static void writeHead(OutputStream out, boolean serviceWorker, int status, Map<String, String> headers,
            long length, boolean keepAlive) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        head.append("Date: ").append(HTTP_DATE.format(Instant.now())).append("\r\n");
        head.append("Server: teallama\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        SecurityHeaders.forFile(serviceWorker, headers.get("Content-Type"))
                .forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (length >= 0) {
            head.append("Content-Length: ").append(length).append("\r\n");
        }
        head.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 414 -> "URI Too Long";
            case 416 -> "Range Not Satisfiable";
            case 421 -> "Misdirected Request";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }
}

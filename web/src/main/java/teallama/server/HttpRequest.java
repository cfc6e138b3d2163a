package teallama.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The head of one HTTP/1.x request, as strictly as a static file server needs it: a request line
 * and header fields, no body. Anything malformed is an {@link HttpError} with the status to answer.
 */
record HttpRequest(String method, String target, boolean http11, Map<String, String> headers) {
    static final int MAX_LINE_BYTES = 8192;
    static final int MAX_HEADER_FIELDS = 100;
    private static final Pattern THIS_MACHINE = Pattern.compile("(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?",
            Pattern.CASE_INSENSITIVE);
    /** A target in absolute form, "http://127.0.0.1:8080/index.html": the authority, then the path. */
    private static final Pattern ABSOLUTE_FORM = Pattern.compile("http://([^/?#]*)(.*)", Pattern.CASE_INSENSITIVE);

    /** Reads one request head; null if the client closed the connection before its first byte. */
    static HttpRequest read(InputStream in) throws IOException, HttpError {
        String requestLine = readLine(in, true);
        if (requestLine != null && requestLine.isEmpty()) {
            requestLine = readLine(in, true); // one empty line before it is ignored (RFC 9112 2.2)
        }
        if (requestLine == null) {
            return null;
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
            throw new HttpError(400, "expected a request line like 'GET /index.html HTTP/1.1', found '"
                    + printable(requestLine) + "'");
        }
        boolean http11 = switch (parts[2]) {
            case "HTTP/1.1" -> true;
            case "HTTP/1.0" -> false;
            default -> throw new HttpError(505, "expected HTTP/1.0 or HTTP/1.1, found '" + printable(parts[2]) + "'");
        };
        Map<String, String> headers = new HashMap<>();
        for (int fields = 0;; fields++) {
            String line = readLine(in, false);
            if (line.isEmpty()) {
                break;
            }
            if (fields == MAX_HEADER_FIELDS) {
                throw new HttpError(431, "more than " + MAX_HEADER_FIELDS + " header fields");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                throw new HttpError(400, "expected a header field like 'Name: value', found '" + printable(line) + "'");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        return new HttpRequest(parts[0], parts[1], http11, headers);
    }

    String header(String name) {
        return headers.get(name);
    }

    /** Whether a body follows the head; this server reads none, so the connection ends after the answer. */
    boolean hasBody() {
        String length = header("content-length");
        return header("transfer-encoding") != null || length != null && !length.equals("0");
    }

    boolean keepAlive() {
        String connection = header("connection");
        boolean close = connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
        return http11 && !close && !hasBody();
    }

    /**
     * Refuses (421) a Host that is not one of this machine's names. The server listens on
     * 127.0.0.1 only, but DNS rebinding reaches it under any name: to the browser, a page of
     * attacker.example whose name then resolves to 127.0.0.1 shares its origin with every file
     * served here, and may read them. Browsers always send Host; an HTTP/1.0 client that sends none
     * is no such page, and HTTP/1.1 requires one (400 without). A target in absolute form, which a
     * server must accept though only proxies are sent it, names the host itself.
     */
    void checkHost() throws HttpError {
        Matcher absolute = ABSOLUTE_FORM.matcher(target);
        String host = absolute.matches() ? absolute.group(1) : header("host"); // RFC 9112 3.2.2: the target's wins
        if (host == null && http11) {
            throw new HttpError(400, "expected a Host header, which HTTP/1.1 requires, found none");
        }
        if (host != null && !THIS_MACHINE.matcher(host).matches()) {
            throw new HttpError(421, "this server answers only to 127.0.0.1, localhost and [::1], not to '"
                    + printable(host) + "'");
        }
    }

    /**
     * The decoded segments of the target's path ("/a/b%20c/" is [a, b c, ""]; a trailing "" asks for
     * a folder's index). Throws 400 for whatever could name a file ambiguously: bad percent-encoding,
     * invalid UTF-8, control characters, encoded or back slashes, empty, "." and ".." segments.
     */
    List<String> pathSegments() throws HttpError {
        String path = target;
        Matcher absolute = ABSOLUTE_FORM.matcher(target);
        if (absolute.matches()) {
            path = absolute.group(2).startsWith("/") ? absolute.group(2) : "/" + absolute.group(2); // "http://host" is "/"
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (!path.startsWith("/")) {
            throw new HttpError(400, "expected a path starting with /, found '" + printable(path) + "'");
        }
        String[] raw = path.substring(1).split("/", -1);
        List<String> segments = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            String segment = decode(raw[i]);
            if (segment.isEmpty() && i < raw.length - 1 || segment.equals(".") || segment.equals("..")) {
                throw new HttpError(400, "malformed path '" + printable(path) + "': empty, . and .. segments are not served");
            }
            segments.add(segment);
        }
        return segments;
    }

    // ----------------------------------------------------------------------------
    // bytes to text

    /** A line ending in LF (CRLF or a bare LF), in ISO-8859-1; null at end of stream before a request line. */
    private static String readLine(InputStream in, boolean requestLine) throws IOException, HttpError {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (requestLine && line.size() == 0) {
                    return null;
                }
                throw new HttpError(400, "the request head ended early");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() == MAX_LINE_BYTES) {
                throw requestLine ? new HttpError(414, "a request line longer than " + MAX_LINE_BYTES + " bytes")
                        : new HttpError(431, "a header field longer than " + MAX_LINE_BYTES + " bytes");
            }
            line.write(b);
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alphanumeric = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Percent-decodes one path segment into a file name, strictly. */
    private static String decode(String segment) throws HttpError {
        ByteBuffer bytes = ByteBuffer.allocate(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                int high = i + 2 < segment.length() ? hexDigit(segment.charAt(i + 1)) : -1;
                int low = high >= 0 ? hexDigit(segment.charAt(i + 2)) : -1;
                if (low < 0) {
                    throw new HttpError(400, "bad percent-encoding in '" + printable(segment)
                            + "': expected % and two hex digits");
                }
                bytes.put((byte) (high << 4 | low));
                i += 2;
            } else if (c <= ' ' || c >= 0x7f) {
                throw new HttpError(400, "a path may hold printable ASCII only (the rest percent-encoded), found '"
                        + printable(segment) + "'");
            } else {
                bytes.put((byte) c);
            }
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "the path segment '" + printable(segment) + "' is not UTF-8 once decoded");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < ' ' || c == 0x7f || c == '/' || c == '\\') {
                throw new HttpError(400, "the path segment '" + printable(segment)
                        + "' decodes to a control character or a slash");
            }
        }
        return name;
    }

    private static int hexDigit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** Text from the client, safe to quote in a one-line message. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 200; i++) {
            char c = s.charAt(i);
            out.append(c >= ' ' && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        return out.toString();
    }
}

package teallama.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import teallama.Shared;

/**
 * A static host as GitHub Pages is one: the built site at a base path with the right types and
 * no security headers (no COOP, COEP or CSP), and at models/ the site's own models (an offline
 * demo kit's) or else the shared ones, open to any origin (CORS), so it also serves as another
 * origin's model host. It counts the requests for
 * each path, and has models that go wrong: models/slow/NAME arrives in {@link #PIECES} pieces
 * {@link #PAUSE_MS} apart, models/page.bin is an HTML page, and {@link #brokenUrl} breaks off
 * halfway.
 * With withoutIsolation, the site's manifest loses the headers that would make the service
 * worker's answers cross-origin isolated, as a browser that ignores them would.
 */
final class StaticHost implements AutoCloseable {
    static final int PIECES = 8;
    static final int PAUSE_MS = 400;
    static final String HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Not a model</title></head><body>"
            + "<p>This is a web page.</p>" + "<p>Lorem ipsum dolor sit amet.</p>".repeat(40000) + "</body></html>\n";

    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "wasm", "application/wasm",
            "json", "application/json", "webmanifest", "application/manifest+json", "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");

    private final Path site;
    private final String basePath;
    private final boolean withoutIsolation;
    private final HttpServer server;
    private final ServerSocket broken;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    StaticHost(Path site, String basePath, boolean withoutIsolation) {
        this.site = site;
        this.basePath = basePath;
        this.withoutIsolation = withoutIsolation;
        server = LocalHttp.start(this::serve, executor);
        try {
            broken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            server.stop(0);
            throw new UncheckedIOException(e);
        }
        executor.execute(this::breakOff);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + basePath;
    }

    /** A shared model that sends its length and half its bytes, then hangs up. */
    String brokenUrl(String model) {
        return "http://127.0.0.1:" + broken.getLocalPort() + "/" + model;
    }

    /** How many GET requests named this path under the base path (such as models/tok512.bin). */
    int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String full = exchange.getRequestURI().getPath();
            if (!full.startsWith(basePath)) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = full.substring(basePath.length());
            path = path.isEmpty() ? "index.html" : path;
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            exchange.getResponseHeaders().set("Connection", "close"); // one request a connection: none waits behind another
            Path file = site.resolve(path).normalize();
            if (path.startsWith("models/") && !Files.isRegularFile(file)) {
                serveModel(exchange, path.substring("models/".length()));
                return;
            }
            if (!file.startsWith(site) || !Files.isRegularFile(file)) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body = Files.readAllBytes(file);
            if (withoutIsolation && path.equals("site-manifest.json")) {
                body = new String(body, StandardCharsets.UTF_8)
                        .replace("\"Cross-Origin-Embedder-Policy\": \"require-corp\", ", "")
                        .getBytes(StandardCharsets.UTF_8);
            }
            String name = file.getFileName().toString();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
            send(exchange, 200, type, body);
        }
    }

    private void serveModel(HttpExchange exchange, String path) throws IOException {
        if (path.equals("page.bin")) {
            send(exchange, 200, "text/html; charset=utf-8", HTML_PAGE.getBytes(StandardCharsets.UTF_8));
            return;
        }
        String mode = path.contains("/") ? path.substring(0, path.indexOf('/')) : "";
        byte[] body = Shared.read(Shared.model(path.substring(path.lastIndexOf('/') + 1)));
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            switch (mode) {
                case "" -> out.write(body);
                case "slow" -> SlowServer.sendInPieces(out, body, PIECES, PAUSE_MS);
                default -> throw new IOException("no model mode " + mode);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the page went away mid-download, or the answer was cut short on purpose
        }
    }

    /** The {@link #brokenUrl} server: its own socket, since HttpServer keeps a short answer's connection open. */
    private void breakOff() {
        while (!broken.isClosed()) {
            try (Socket socket = broken.accept()) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String path = in.readLine().split(" ")[1];
                while (!in.readLine().isEmpty()) {
                    // the request's header fields
                }
                byte[] body = Shared.read(Shared.model(path.substring(path.lastIndexOf('/') + 1)));
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nAccess-Control-Allow-Origin: *\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body, 0, body.length / 2);
                out.flush();
            } catch (IOException | RuntimeException e) {
                // closed, or a client that left
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        try {
            broken.close();
        } catch (IOException e) {
            // closing anyway
        }
        executor.shutdownNow();
    }
}

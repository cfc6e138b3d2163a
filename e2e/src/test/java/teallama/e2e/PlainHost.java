package teallama.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A plain static server on this machine's first address that is not a loopback one, as a demo
 * kit is served on a local network: plain http there is not a secure context, so the page has
 * no service worker, no shared memory and no storage. It serves the built site and, at models/,
 * the test models, with no headers but the type, and with quirks that static servers have.
 */
final class PlainHost implements AutoCloseable {
    enum Quirk {
        /** Scripts sent as application/octet-stream, as servers that know no .js do. */
        SCRIPTS_UNTYPED,
        /** HEAD answered with 405 Method Not Allowed. */
        NO_HEAD
    }

    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "wasm", "application/wasm",
            "json", "application/json", "webmanifest", "application/manifest+json", "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");

    private final Path site;
    private final Path models;
    private final Set<Quirk> quirks;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    PlainHost(Path site, Path models, Set<Quirk> quirks) {
        this.site = site.toAbsolutePath().normalize();
        this.models = models.toAbsolutePath().normalize();
        this.quirks = quirks;
        try {
            server = HttpServer.create(new InetSocketAddress(networkAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    /** This machine's first IPv4 address that is not a loopback one; a machine without one fails the test. */
    static InetAddress networkAddress() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(PlainHost::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress()
                            && !address.isLinkLocalAddress())
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "expected an IPv4 address other than a loopback one to serve a page that is not "
                                    + "a secure context, found none: give this machine one"));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isUp(NetworkInterface face) {
        try {
            return face.isUp();
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/";
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(1);
            path = path.isEmpty() ? "index.html" : path;
            Path root = path.startsWith("models/") ? models : site;
            Path file = root.resolve(path.startsWith("models/") ? path.substring("models/".length()) : path).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (exchange.getRequestMethod().equals("HEAD") && quirks.contains(Quirk.NO_HEAD)) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String name = file.getFileName().toString();
            String extension = name.substring(name.lastIndexOf('.') + 1);
            String type = extension.equals("js") && quirks.contains(Quirk.SCRIPTS_UNTYPED)
                    ? "application/octet-stream" : TYPES.getOrDefault(extension, "application/octet-stream");
            send(exchange, 200, type, Files.readAllBytes(file));
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

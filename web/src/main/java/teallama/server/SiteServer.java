package teallama.server;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves the site (web/target/site) on 127.0.0.1 with the MIME types WebAssembly needs, and a
 * models folder at models/, so the page works offline. The JVM side of the web module: TeaVM
 * never compiles it.
 */
public final class SiteServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "wasm", "application/wasm",
            "json", "application/json",
            "png", "image/png",
            "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Path site;
    private final Path models;
    private final String basePath;

    /**
     * Serves site at basePath ("/", or a sub-path like a GitHub Pages project site's "/repo/")
     * and, if models is not null, that folder at basePath + "models/".
     */
    public SiteServer(Path site, Path models, int port, String basePath) throws IOException {
        this.site = site.toAbsolutePath().normalize();
        this.models = models == null ? null : models.toAbsolutePath().normalize();
        this.basePath = basePath;
        if (!basePath.startsWith("/") || !basePath.endsWith("/")) {
            throw new IllegalArgumentException("the base path must start and end with /, found " + basePath);
        }
        if (!Files.isRegularFile(this.site.resolve("index.html"))) {
            throw new IOException("no site at " + this.site + " (build it with: mvn -B package -DskipTests)");
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + basePath;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Path file = resolve(exchange.getRequestURI().getPath());
            if (file == null) {
                byte[] body = "not found\n".getBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            String name = file.getFileName().toString();
            String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
            exchange.getResponseHeaders().set("Content-Type", TYPES.getOrDefault(extension, "application/octet-stream"));
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.getResponseHeaders().set("Cross-Origin-Opener-Policy", "same-origin");
            exchange.getResponseHeaders().set("Cross-Origin-Embedder-Policy", "require-corp");
            long length = Files.size(file);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, length);
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            } catch (IOException e) {
                // the page went away mid-download (a reload, a new model): nothing to do
            }
        }
    }

    /** The file a URL path names, or null: only files inside the site or the models folder. */
    private Path resolve(String urlPath) {
        if (!urlPath.startsWith(basePath)) {
            return null;
        }
        Path root = site;
        String relative = urlPath.substring(basePath.length());
        if (models != null && relative.startsWith("models/")) {
            root = models;
            relative = relative.substring("models/".length());
        }
        if (relative.isEmpty() || relative.endsWith("/")) {
            relative += "index.html";
        }
        Path file = root.resolve(relative).normalize();
        return file.startsWith(root) && Files.isRegularFile(file) ? file : null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ----------------------------------------------------------------------------
    // command line

    private static final String USAGE = """
            Usage: java -jar web/target/teallama-web.jar [--port N] [--models DIR] [--site DIR]
              --port N      port on 127.0.0.1 (default 8080; 0 picks a free one)
              --models DIR  a folder of model and tokenizer files to serve at models/
                            (default: ../shared/models beside the checkout, if it exists)
              --site DIR    the built site (default: web/target/site beside this jar)
            """;

    public static void main(String[] args) throws Exception {
        Path jarDir = jarDirectory();
        Path site = jarDir.resolve("site");
        Path models = jarDir.resolve("../../../shared/models").normalize();
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = parsePort(value);
                case "--models" -> models = Path.of(require(value, "--models"));
                case "--site" -> site = Path.of(require(value, "--site"));
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> exit("unknown option " + args[i]);
            }
            i++;
        }
        if (!Files.isDirectory(models)) {
            System.out.println("no models folder at " + models + "; serving the site alone");
            models = null;
        }
        SiteServer server;
        try {
            server = new SiteServer(site, models, port, "/");
        } catch (IOException e) {
            exit(e.getMessage());
            return;
        }
        System.out.println("Teallama at " + server.url() + (models == null ? "" : " (models from " + models + ")"));
        System.out.println("Press Ctrl+C to stop.");
    }

    private static Path jarDirectory() throws URISyntaxException {
        return new File(SiteServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath()
                .toAbsolutePath().getParent();
    }

    private static String require(String value, String option) {
        if (value == null) {
            exit(option + " needs a value");
        }
        return value;
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(require(value, "--port"));
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        exit("--port expects a number from 0 to 65535, found '" + value + "'");
        return 0;
    }

    private static void exit(String message) {
        System.err.println("teallama-web: " + message);
        System.err.print(USAGE);
        System.exit(1);
    }
}

package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;
import teallama.Shared;
import teallama.server.SiteServer;

/**
 * The served page is cross-origin isolated, so its workers can share memory; it works under its
 * Content-Security-Policy; and it still tells a story from a model on another origin that allows
 * it with CORS, as Hugging Face does (a redirect to a file server, Access-Control-Allow-Origin: *,
 * no Cross-Origin-Resource-Policy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossOriginTest {
    /** A worker script beside the page's own, served with the same headers, that shares memory with the page. */
    private static final String PROBE_WORKER = """
            onmessage = (event) => {
              const shared = new Int32Array(event.data);
              Atomics.store(shared, 0, 42);
              postMessage({ isolated: self.crossOriginIsolated, ownBuffer: new SharedArrayBuffer(8).byteLength });
            };
            """;

    private SiteServer site;
    private HttpServer modelHost;
    private final List<String> modelRequests = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    void serve() throws IOException {
        Path work = Path.of(System.getProperty("teallama.work", "target/e2e")).resolve("cross-origin-site");
        copyTree(Path.of(System.getProperty("teallama.site", "../web/target/site")), work);
        Files.writeString(work.resolve("probe-worker.js"), PROBE_WORKER);
        site = new SiteServer(work, null, 0, "/");

        modelHost = LocalHttp.start(this::serveModel, null);
    }

    @AfterAll
    void close() {
        site.close();
        modelHost.stop(0);
    }

    /** /resolve/main/NAME redirects to /files/NAME, which sends the shared model NAME. */
    private void serveModel(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            modelRequests.add(exchange.getRequestMethod() + " " + path);
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            if (path.startsWith("/resolve/main/")) {
                exchange.getResponseHeaders().set("Location", "/files/" + path.substring("/resolve/main/".length()));
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            byte[] body = Shared.read(Shared.model(path.substring("/files/".length())));
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chromium", "firefox"})
    void theIsolatedPageTellsAStoryFromAnotherOriginUnderItsPolicy(String browserName) {
        Case c = GoldenGenerateTest.cases().get(2); // case03: -t 0 -i "Once upon a time"
        String models = "http://127.0.0.1:" + modelHost.getAddress().getPort() + "/resolve/main/";
        try (BrowserContext context = Browsers.shared(browserName).newContext()) {
            Page page = context.newPage();
            List<String> errors = Collections.synchronizedList(new ArrayList<>());
            page.onPageError(error -> errors.add("uncaught: " + error));
            page.onConsoleMessage(message -> {
                if (message.type().equals("error")) {
                    errors.add("console: " + message.text());
                }
            });
            page.onWorker(worker -> worker.onConsole(message -> {
                if (message.type().equals("error")) {
                    errors.add("worker console: " + message.text());
                }
            }));
            page.addInitScript("window.violations = [];"
                    + "document.addEventListener('securitypolicyviolation',"
                    + "  (e) => window.violations.push(e.violatedDirective + ' blocked ' + e.blockedURI));");
            StoryPage story = new StoryPage(page);
            story.open(site.url(), Map.of("model", models + "stories260K.bin", "tokenizer", models + "tok512.bin",
                    "prompt", c.prompt(), "temperature", c.temperature(), "topp", c.topp(), "seed", c.seed(),
                    "steps", c.steps(), "autostart", "1"));
            story.waitForState("done", "error");

            assertEquals("done", story.state(), story.status());
            assertArrayEquals(c.expected(), (story.output() + "\n").getBytes(StandardCharsets.UTF_8),
                    () -> "expected:\n" + new String(c.expected(), StandardCharsets.UTF_8) + "\nfound:\n" + story.output());
            assertEquals(List.of("GET /files/stories260K.bin", "GET /files/tok512.bin", "GET /resolve/main/stories260K.bin",
                    "GET /resolve/main/tok512.bin"), modelRequests.stream().sorted().toList(), "the files came from the other origin");
            modelRequests.clear();

            assertEquals(true, page.evaluate("crossOriginIsolated"));
            assertEquals(Map.of("isolated", true, "ownBuffer", 8, "seen", 42), page.evaluate("() => new Promise((resolve) => {"
                    + "  const shared = new SharedArrayBuffer(4);"
                    + "  const probe = new Worker('probe-worker.js');"
                    + "  probe.onmessage = (e) => resolve({ ...e.data, seen: Atomics.load(new Int32Array(shared), 0) });"
                    + "  probe.postMessage(shared);"
                    + "})"));

            assertEquals(List.of(), page.evaluate("window.violations"), "policy violations");
            assertEquals(List.of(), errors, "errors in the page or its worker");

            // the listener hears a violation (an http address elsewhere is no place for models) twice:
            // once for the policy in the header, once for the one in the meta element
            page.evaluate("() => fetch('http://192.0.2.1/model.bin').catch(() => {})");
            story.waitUntil("() => window.violations.length >= 2", null);
            assertEquals(List.of("connect-src blocked http://192.0.2.1/model.bin", "connect-src blocked http://192.0.2.1/model.bin"),
                    page.evaluate("window.violations"));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(file -> {
                try {
                    Path target = to.resolve(from.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}

package teallama.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on a free port, spoken to over sockets: availability, paths, headers, revalidation. */
class SiteServerTest {
    @TempDir
    Path dir;
    Path site;
    Path models;
    SiteServer server;
    int port;

    @BeforeEach
    void serve() throws IOException {
        site = Files.createDirectories(dir.resolve("site"));
        models = Files.createDirectories(dir.resolve("models"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(site.resolve("index.html"), "<!DOCTYPE html><title>t</title>");
        Files.writeString(site.resolve("worker.js"), "importScripts('x.js');");
        Files.writeString(site.resolve("sw.js"), "self.onfetch = () => {};");
        Files.createDirectories(site.resolve("docs"));
        Files.writeString(site.resolve("docs/index.html"), "docs");
        Files.writeString(site.resolve("docs/sw.js"), "self.x = 1;");
        Files.writeString(site.resolve("a b ü.txt"), "spaced");
        Files.write(models.resolve("model.bin"), new byte[] {1, 2, 3});
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(site.resolve("leak.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(site.resolve("elsewhere"), outside);
        Files.createSymbolicLink(models.resolve("leak.bin"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(site.resolve("alias.html"), site.resolve("index.html"));
        server = new SiteServer(site, models, 0, "/");
        port = URI.create(server.url()).getPort();
    }

    @AfterEach
    void close() {
        server.close();
    }

    // ----------------------------------------------------------------------------
    // nobody can block the others

    /** The old server had 4 threads and no timeouts: four idle clients made everyone else wait. */
    @Test
    void idleAndHalfSentConnectionsDoNotBlockAGet() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                idle.add(new Socket("127.0.0.1", port));
            }
            for (int i = 0; i < 8; i++) {
                Socket halfSent = new Socket("127.0.0.1", port);
                halfSent.getOutputStream().write("GET /index.ht".getBytes(StandardCharsets.US_ASCII));
                idle.add(halfSent);
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long start = System.nanoTime();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url()))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(200, response.statusCode());
            assertEquals("<!DOCTYPE html><title>t</title>", response.body());
            assertTrue(seconds < 2, "answered after " + seconds + " s");
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void clientsThatDoNotFinishTheirRequestAreDropped() throws IOException {
        try (SiteServer quick = new SiteServer(site, models, 0, "/", Duration.ofMillis(500), Duration.ofSeconds(30));
             Socket silent = new Socket("127.0.0.1", URI.create(quick.url()).getPort());
             Socket slow = new Socket("127.0.0.1", URI.create(quick.url()).getPort())) {
            slow.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            for (Socket socket : List.of(silent, slow)) {
                socket.setSoTimeout(5_000);
                long start = System.nanoTime();
                assertEquals(-1, socket.getInputStream().read(), "closed without an answer");
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds < 2, "dropped after " + seconds + " s");
            }
        }
    }

    /** A client that asks for a big file and never reads it is dropped after the write timeout. */
    @Test
    void aClientThatStopsReadingIsDropped() throws IOException, InterruptedException {
        byte[] big = new byte[32 << 20];
        Files.write(models.resolve("big.bin"), big);
        try (SiteServer quick = new SiteServer(site, models, 0, "/", Duration.ofSeconds(10), Duration.ofMillis(500));
             Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(16384);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", URI.create(quick.url()).getPort()));
            stalled.getOutputStream().write("GET /models/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(2_000);
            stalled.setSoTimeout(5_000);
            long received = 0;
            try (InputStream in = stalled.getInputStream()) {
                for (int n = in.read(new byte[65536]); n >= 0; n = in.read(new byte[65536])) {
                    received += n;
                }
            } catch (SocketException reset) {
                // the server closed with data unread: as good as an end of stream here
            }
            assertTrue(received < big.length, "received all " + received + " bytes: the stalled client was kept");
        }
    }

    @Test
    void oneConnectionCarriesSeveralRequests() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            for (String target : List.of("/", "/worker.js", "/models/model.bin")) {
                socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                RawHttp.Response response = RawHttp.read(socket.getInputStream(), false);
                assertEquals(200, response.status(), target);
                assertEquals("keep-alive", response.header("Connection"));
            }
        }
    }

    /** RFC 9112 2.2: a server ignores at least one empty line before a request line; two are refused. */
    @Test
    void anEmptyLineBeforeTheRequestLineIsIgnored() throws IOException {
        assertEquals(200, RawHttp.send(port, "\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status());
        assertEquals(400, RawHttp.send(port, "\r\n\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status());
    }

    // ----------------------------------------------------------------------------
    // what is served

    @Test
    void servesTheSiteAndTheModels() throws IOException {
        assertEquals("<!DOCTYPE html><title>t</title>", RawHttp.get(port, "/").text());
        assertEquals("text/html; charset=utf-8", RawHttp.get(port, "/index.html").header("Content-Type"));
        assertEquals("text/javascript; charset=utf-8", RawHttp.get(port, "/worker.js").header("Content-Type"));
        assertEquals("docs", RawHttp.get(port, "/docs/").text());
        assertEquals("spaced", RawHttp.get(port, "/a%20b%20%C3%BC.txt").text());
        assertEquals("<!DOCTYPE html><title>t</title>", RawHttp.get(port, "/alias.html?x=1").text(), "a link inside the site");
        RawHttp.Response model = RawHttp.get(port, "/models/model.bin");
        assertArrayEquals(new byte[] {1, 2, 3}, model.body());
        assertEquals("application/octet-stream", model.header("Content-Type"));
        RawHttp.Response head = RawHttp.send(port, "HEAD /models/model.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, head.status());
        assertEquals("3", head.header("Content-Length"));
    }

    @Test
    void symbolicLinksOutOfTheFoldersAreNotFound() throws IOException {
        for (String target : List.of("/leak.txt", "/elsewhere/secret.txt", "/models/leak.bin", "/docs", "/nothing.html")) {
            RawHttp.Response response = RawHttp.get(port, target);
            assertEquals(404, response.status(), target);
            assertEquals("404 Not Found: not found\n", response.text(), target);
        }
    }

    @Test
    void hiddenFilesAreNotFound() throws IOException {
        Files.write(Files.createDirectories(models.resolve(".model.partial-1")).resolve("model.bin"), new byte[] {4});
        Files.write(models.resolve(".model.bin"), new byte[] {5});
        Files.writeString(Files.createDirectories(site.resolve(".git")).resolve("config"), "[core]");
        Files.writeString(site.resolve(".env"), "KEY=1");
        // a link of a plain name to a hidden file or into a hidden folder is no way to it either
        Files.createSymbolicLink(models.resolve("visible.bin"), models.resolve(".model.bin"));
        Files.createSymbolicLink(site.resolve("env.txt"), Path.of(".env"));
        Files.createSymbolicLink(site.resolve("config.txt"), site.resolve(".git/config"));
        for (String target : List.of("/models/.model.partial-1/model.bin", "/models/.model.bin", "/models/%2Emodel.bin",
                "/.git/config", "/.env", "/models/visible.bin", "/env.txt", "/config.txt")) {
            RawHttp.Response response = RawHttp.get(port, target);
            assertEquals(404, response.status(), target);
            assertEquals("404 Not Found: not found\n", response.text(), target);
        }
    }

    /** RFC 9112 3.2.2: a server must accept a target in absolute form, whose authority stands for Host. */
    @Test
    void targetsInAbsoluteFormAreServed() throws IOException {
        assertEquals("<!DOCTYPE html><title>t</title>", RawHttp.get(port, "http://127.0.0.1:" + port + "/index.html").text());
        assertEquals("<!DOCTYPE html><title>t</title>", RawHttp.get(port, "HTTP://localhost").text());
        assertEquals("docs", RawHttp.get(port, "http://[::1]:" + port + "/docs/?x=1").text());
        assertArrayEquals(new byte[] {1, 2, 3}, RawHttp.get(port, "http://127.0.0.1/models/model.bin").body());
        RawHttp.Response elsewhere = RawHttp.send(port, "GET http://attacker.example/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(421, elsewhere.status(), "the target's host, not the Host field, decides");
        assertEquals(404, RawHttp.get(port, "http://127.0.0.1/missing.html").status());
    }

    @Test
    void malformedPathsAreBadRequests() throws IOException {
        for (String target : List.of("/%00", "/index.html%00.js", "/%zz", "/index.html%", "/%4", "/../outside/secret.txt",
                "/docs/../index.html", "/./index.html", "/%2e%2e/outside/secret.txt", "/models/..%2fmodels/model.bin",
                "/a%5cb", "/%C0%AE%C0%AE/secret.txt", "/%FF", "//index.html", "/docs//index.html", "index.html",
                "https://127.0.0.1/index.html", "http://127.0.0.1/../index.html", "/caf\u00e9")) {
            RawHttp.Response response = RawHttp.get(port, target);
            assertEquals(400, response.status(), target);
            assertTrue(response.text().startsWith("400 Bad Request: "), response.text());
            assertEquals("nosniff", response.header("X-Content-Type-Options"), target);
        }
    }

    @Test
    void malformedRequestHeadsAreAnsweredAndClosed() throws IOException {
        Map<String, Integer> requests = Map.of(
                "GARBAGE\r\n\r\n", 400,
                "GET / HTTP/1.1 extra\r\n\r\n", 400,
                "GET / HTTP/2.0\r\n\r\n", 505,
                "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400,
                "GET / HTTP/1.1\r\n : empty name\r\n\r\n", 400,
                "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n\r\n", 414,
                "GET / HTTP/1.1\r\n" + "X-A: b\r\n".repeat(101) + "\r\n", 431);
        for (Map.Entry<String, Integer> request : requests.entrySet()) {
            RawHttp.Response response = RawHttp.send(port, request.getKey());
            String shown = request.getKey().substring(0, Math.min(40, request.getKey().length()));
            assertEquals(request.getValue(), response.status(), shown);
            assertEquals("close", response.header("Connection"), shown);
            assertEquals(SecurityHeaders.PAGE_HEADER_POLICY, response.header("Content-Security-Policy"), shown);
        }
    }

    /**
     * DNS rebinding: a page of attacker.example whose name then resolves to 127.0.0.1 is the same
     * origin as its own files to the browser, and could read the site and the models folder (any
     * folder --models names) from this server, which it reaches as attacker.example:PORT.
     */
    @Test
    void onlyThisMachinesNamesAreServed() throws IOException {
        for (String host : List.of("127.0.0.1", "127.0.0.1:" + port, "localhost", "LocalHost:" + port, "[::1]:" + port)) {
            assertEquals(200, RawHttp.send(port, "GET /models/model.bin HTTP/1.1\r\nHost: " + host + "\r\n\r\n").status(),
                    host);
        }
        assertEquals(200, RawHttp.send(port, "GET / HTTP/1.0\r\n\r\n").status(), "HTTP/1.0 needs no Host");
        RawHttp.Response noHost = RawHttp.send(port, "GET / HTTP/1.1\r\n\r\n");
        assertEquals(400, noHost.status(), "HTTP/1.1 does");
        assertEquals("400 Bad Request: expected a Host header, which HTTP/1.1 requires, found none\n", noHost.text());
        for (String host : List.of("attacker.example:" + port, "attacker.example", "127.0.0.1.attacker.example",
                "localhost.attacker.example:" + port, "127.0.0.2:" + port, "", "127.0.0.1:x")) {
            RawHttp.Response response = RawHttp.send(port, "GET /models/model.bin HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertEquals(421, response.status(), host);
            assertEquals("421 Misdirected Request: this server answers only to 127.0.0.1, localhost and [::1], not to '" + host
                    + "'\n", response.text(), host);
            assertEquals("nosniff", response.header("X-Content-Type-Options"), host);
        }
    }

    @Test
    void onlyGetAndHeadAreAllowed() throws IOException {
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE")) {
            RawHttp.Response response = RawHttp.send(port, method + " /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
            assertEquals(405, response.status(), method);
            assertEquals("GET, HEAD", response.header("Allow"), method);
        }
        RawHttp.Response withBody = RawHttp.send(port, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(405, withBody.status());
        assertEquals("close", withBody.header("Connection"), "the body is not read, so the connection ends");
    }

    // ----------------------------------------------------------------------------
    // headers

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws IOException {
        String etag = RawHttp.get(port, "/").header("ETag");
        List<RawHttp.Response> answers = List.of(RawHttp.get(port, "/"), RawHttp.get(port, "/worker.js"),
                RawHttp.get(port, "/models/model.bin"), RawHttp.get(port, "/missing"), RawHttp.get(port, "/%00"),
                RawHttp.send(port, "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), RawHttp.get(port, "/", "If-None-Match: " + etag),
                RawHttp.get(port, "/sw.js"), RawHttp.get(port, "/docs/sw.js"));
        assertEquals(List.of(200, 200, 200, 404, 400, 405, 304, 200, 200), answers.stream().map(RawHttp.Response::status).toList());
        for (RawHttp.Response answer : answers) {
            assertEquals("nosniff", answer.header("X-Content-Type-Options"));
            assertEquals("no-referrer", answer.header("Referrer-Policy"));
            assertEquals("same-origin", answer.header("Cross-Origin-Opener-Policy"));
            assertEquals("require-corp", answer.header("Cross-Origin-Embedder-Policy"));
            assertEquals("same-origin", answer.header("Cross-Origin-Resource-Policy"));
            assertNotNull(answer.header("Date"));
        }
        assertEquals("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; worker-src 'self'; "
                + "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                answers.get(0).header("Content-Security-Policy"));
        assertEquals("default-src 'none'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; "
                + "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; worker-src 'self'",
                answers.get(1).header("Content-Security-Policy"), "a worker's script sets the worker's policy");
        assertEquals("default-src 'none'; connect-src 'self'", answers.get(7).header("Content-Security-Policy"),
                "the service worker's script sets its policy, which needs no eval and no other origin");
        assertEquals(SecurityHeaders.WORKER_POLICY, answers.get(8).header("Content-Security-Policy"),
                "only the site's own sw.js is its service worker");
    }

    @Test
    void aBrowserCanRevalidate() throws IOException {
        Path index = site.resolve("index.html");
        Files.setLastModifiedTime(index, FileTime.from(Instant.parse("2024-05-06T07:08:09.250Z")));
        RawHttp.Response first = RawHttp.get(port, "/");
        assertEquals("no-cache", first.header("Cache-Control"));
        assertEquals("Mon, 06 May 2024 07:08:09 GMT", first.header("Last-Modified"));
        String etag = first.header("ETag");
        assertTrue(etag.matches("\"[0-9a-f]+-[0-9a-f]+\""), etag);

        RawHttp.Response same = RawHttp.get(port, "/", "If-None-Match: " + etag);
        assertEquals(304, same.status());
        assertEquals(etag, same.header("ETag"));
        assertEquals(null, same.header("Content-Length"));
        assertEquals(304, RawHttp.get(port, "/", "If-None-Match: \"x\", W/" + etag).status());
        assertEquals(200, RawHttp.get(port, "/", "If-None-Match: \"other\"").status());
        assertEquals(200, RawHttp.get(port, "/", "If-None-Match: \"other\"",
                "If-Modified-Since: Mon, 06 May 2024 07:08:09 GMT").status(), "If-None-Match decides");
        assertEquals(304, RawHttp.get(port, "/", "If-Modified-Since: Mon, 06 May 2024 07:08:09 GMT").status());
        assertEquals(200, RawHttp.get(port, "/", "If-Modified-Since: Mon, 06 May 2024 07:08:08 GMT").status());
        assertEquals(200, RawHttp.get(port, "/", "If-Modified-Since: yesterday").status());

        Files.writeString(index, "<!DOCTYPE html><title>new</title>");
        RawHttp.Response changed = RawHttp.get(port, "/", "If-None-Match: " + etag);
        assertEquals(200, changed.status());
        assertEquals("<!DOCTYPE html><title>new</title>", changed.text());
        assertNotEquals(etag, changed.header("ETag"));
    }

    /** The page fetches a big model from its own server in pieces, so no browser process buffers all of it. */
    @Test
    void aFileIsServedInRanges() throws IOException {
        Files.write(models.resolve("ten.bin"), new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        RawHttp.Response whole = RawHttp.get(port, "/models/ten.bin");
        assertEquals(200, whole.status());
        assertEquals("bytes", whole.header("Accept-Ranges"));
        String etag = whole.header("ETag");

        RawHttp.Response middle = RawHttp.get(port, "/models/ten.bin", "Range: bytes=2-4");
        assertEquals(206, middle.status());
        assertEquals("bytes 2-4/10", middle.header("Content-Range"));
        assertArrayEquals(new byte[] {2, 3, 4}, middle.body());
        assertArrayEquals(new byte[] {7, 8, 9}, RawHttp.get(port, "/models/ten.bin", "Range: bytes=7-").body());
        assertArrayEquals(new byte[] {8, 9}, RawHttp.get(port, "/models/ten.bin", "Range: bytes=-2").body());
        RawHttp.Response past = RawHttp.get(port, "/models/ten.bin", "Range: bytes=8-100");
        assertEquals("bytes 8-9/10", past.header("Content-Range"));
        assertArrayEquals(new byte[] {8, 9}, past.body());
        assertArrayEquals(new byte[] {9}, RawHttp.get(port, "/models/ten.bin", "Range: bytes=9-9",
                "If-Range: " + etag).body());

        RawHttp.Response beyond = RawHttp.get(port, "/models/ten.bin", "Range: bytes=10-");
        assertEquals(416, beyond.status());
        assertEquals("bytes */10", beyond.header("Content-Range"));
        assertEquals("416 Range Not Satisfiable: expected a range of bytes within the file's 10, found 'bytes=10-'\n",
                beyond.text());
        assertEquals(416, RawHttp.get(port, "/models/ten.bin", "Range: bytes=-0").status());

        // what a server may ignore gets the whole file, as does a range of a file that changed since
        for (String ignored : new String[] {"bytes=1-2,5-6", "items=0-1", "bytes=5-2", "bytes=a-b", "bytes=-", "bytes=3"}) {
            RawHttp.Response answer = RawHttp.get(port, "/models/ten.bin", "Range: " + ignored);
            assertEquals(200, answer.status(), ignored);
            assertEquals(10, answer.body().length, ignored);
        }
        RawHttp.Response changed = RawHttp.get(port, "/models/ten.bin", "Range: bytes=2-4", "If-Range: \"other\"");
        assertEquals(200, changed.status());
        assertEquals(10, changed.body().length);

        RawHttp.Response head = RawHttp.send(port, "HEAD /models/ten.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-3\r\n"
                + "Connection: close\r\n\r\n");
        assertEquals(206, head.status());
        assertEquals("4", head.header("Content-Length"));
    }

    // ----------------------------------------------------------------------------
    // sub-paths and construction

    @Test
    void aSubPathServesOnlyBelowIt() throws IOException {
        try (SiteServer sub = new SiteServer(site, models, 0, "/repo/pages/")) {
            int subPort = URI.create(sub.url()).getPort();
            assertTrue(sub.url().endsWith("/repo/pages/"), sub.url());
            assertEquals(200, RawHttp.get(subPort, "/repo/pages/").status());
            assertEquals(200, RawHttp.get(subPort, "/repo/pages/models/model.bin").status());
            assertEquals(404, RawHttp.get(subPort, "/index.html").status());
            assertEquals(404, RawHttp.get(subPort, "/repo/index.html").status());
        }
    }

    @Test
    void aPortInUseIsNamed() throws IOException {
        java.net.BindException e = org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class,
                () -> new SiteServer(site, models, port, "/"));
        assertEquals("port " + port + " on 127.0.0.1 is in use", e.getMessage());
    }

    /**
     * A port this user may not take (below 1024 on Linux, without privileges) is not called in use:
     * the system's own reason is given. (These tests run as root, so the refusal is made up.)
     */
    @Test
    void aPortRefusedForAnotherReasonSaysWhy() {
        assertEquals("port 81 on 127.0.0.1 cannot be used: Permission denied",
                SiteServer.refusal(81, new java.net.BindException("Permission denied")).getMessage());
        assertEquals("port 8080 on 127.0.0.1 is in use",
                SiteServer.refusal(8080, new java.net.BindException("Address already in use")).getMessage());
    }
}

package teallama.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import teallama.Shared;

/**
 * Another origin that answers as broken or hostile servers do, allowing any origin (CORS), and
 * counts the bytes it sent on each path and sees when the client stops reading:
 * <ul>
 * <li>/html: an HTML page of 1 GiB, made as it is sent;</li>
 * <li>/lying/NAME: a shared model with a Content-Length of 1 GiB, its bytes then zeros;</li>
 * <li>/cut/NAME: a shared model with its true Content-Length, the connection closed after half;</li>
 * <li>/unsized/NAME: half of a shared model, chunked, with no Content-Length, ending as if whole;</li>
 * <li>/gzip/NAME: a shared file whole, gzip-compressed (Content-Encoding: gzip, which it does
 * not expose to the page), its Content-Length that of the compressed body;</li>
 * <li>/stall/NAME: a shared file's true Content-Length and half its bytes, then nothing, the
 * connection open for a minute (or until the server closes);</li>
 * <li>/silent/NAME: no answer at all, as long.</li>
 * </ul>
 */
final class HostileServer implements AutoCloseable {
    static final long GIGABYTE = 1L << 30;
    private static final int PIECE = 1 << 16;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> ended = new ConcurrentHashMap<>();

    HostileServer() {
        server = LocalHttp.start(this::serve, executor);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Bytes written to the connection of the last request for path (some may still sit in socket buffers). */
    long sent(String path) {
        return sent.getOrDefault(path, new AtomicLong()).get();
    }

    /** Whether the answer for path ended (sent whole, or the client went away) within the time. */
    boolean ended(String path, long millis) throws InterruptedException {
        CountDownLatch latch = ended.get(path);
        return latch != null && latch.await(millis, TimeUnit.MILLISECONDS);
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        AtomicLong count = new AtomicLong();
        sent.put(path, count);
        CountDownLatch done = new CountDownLatch(1);
        ended.put(path, done);
        try (exchange) {
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            if (path.equals("/html")) {
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, GIGABYTE);
                byte[] page = "<!DOCTYPE html><html><head><title>Not a model</title></head><body>\n"
                        .getBytes(StandardCharsets.US_ASCII);
                byte[] filler = "<p>This page is not model weights.</p>\n".repeat(PIECE / 40).getBytes(StandardCharsets.US_ASCII);
                send(exchange.getResponseBody(), page, filler, GIGABYTE, count);
                return;
            }
            if (path.startsWith("/silent/")) {
                Thread.sleep(60_000); // until close() interrupts it, if sooner
                return;
            }
            byte[] model = Shared.read(Shared.model(Path.of(path).getFileName().toString()));
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (path.startsWith("/lying/")) {
                exchange.sendResponseHeaders(200, GIGABYTE);
                send(exchange.getResponseBody(), model, new byte[PIECE], GIGABYTE, count);
            } else if (path.startsWith("/cut/")) {
                exchange.sendResponseHeaders(200, model.length);
                OutputStream out = exchange.getResponseBody();
                out.write(model, 0, model.length / 2);
                out.flush();
                count.addAndGet(model.length / 2);
                Thread.sleep(200);
                // closing the exchange short of its length closes the connection
            } else if (path.startsWith("/gzip/")) {
                ByteArrayOutputStream compressed = new ByteArrayOutputStream();
                try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
                    gzip.write(model);
                }
                exchange.getResponseHeaders().set("Content-Encoding", "gzip");
                exchange.sendResponseHeaders(200, compressed.size());
                exchange.getResponseBody().write(compressed.toByteArray());
                count.addAndGet(compressed.size());
            } else if (path.startsWith("/stall/")) {
                exchange.sendResponseHeaders(200, model.length);
                exchange.getResponseBody().write(model, 0, model.length / 2);
                exchange.getResponseBody().flush();
                count.addAndGet(model.length / 2);
                Thread.sleep(60_000); // until close() interrupts it, if sooner
            } else if (path.startsWith("/unsized/")) {
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write(model, 0, model.length / 2);
                count.addAndGet(model.length / 2);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        } catch (IOException e) {
            // the client went away (what a refusal should do), or the answer was cut on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }

    /** Writes start, then filler again and again, up to total bytes, counting them. */
    private static void send(OutputStream out, byte[] start, byte[] filler, long total, AtomicLong count) throws IOException {
        out.write(start);
        count.addAndGet(start.length);
        while (count.get() < total) {
            int n = (int) Math.min(filler.length, total - count.get());
            out.write(Arrays.copyOf(filler, n));
            count.addAndGet(n);
        }
        out.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

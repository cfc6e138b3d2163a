package teallama.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import teallama.Shared;

/**
 * Another origin that serves one shared model (or one of a folder of models) slowly, in pieces,
 * as a far server does: /sized/NAME with a Content-Length, /unsized/NAME without one (chunked),
 * each in {@link #PIECES} pieces {@link #PAUSE_MS} apart, or as many milliseconds as asked. It
 * allows any origin (CORS), as Hugging Face does.
 */
final class SlowServer implements AutoCloseable {
    static final int PIECES = 8;
    static final int PAUSE_MS = 120;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final int pauseMs;
    private final Path models; // null: the shared models

    SlowServer() {
        this(PAUSE_MS);
    }

    SlowServer(int pauseMs) {
        this(pauseMs, null);
    }

    SlowServer(int pauseMs, Path models) {
        this.pauseMs = pauseMs;
        this.models = models;
        server = LocalHttp.start(this::serve, executor);
    }

    String url(boolean sized, String model) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + (sized ? "/sized/" : "/unsized/") + model;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean sized = path.startsWith("/sized/");
            String name = Path.of(path).getFileName().toString();
            byte[] body = models == null ? Shared.read(Shared.model(name)) : Files.readAllBytes(models.resolve(name));
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, sized ? body.length : 0); // 0: chunked, no Content-Length
            try (OutputStream out = exchange.getResponseBody()) {
                sendInPieces(out, body, PIECES, pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the page went away mid-download: nothing to do
            }
        }
    }

    /** Sends body in pieces pieces (the last may be shorter), each flushed, pausing pauseMs after each. */
    static void sendInPieces(OutputStream out, byte[] body, int pieces, long pauseMs)
            throws IOException, InterruptedException {
        int piece = (body.length + pieces - 1) / pieces;
        for (int from = 0; from < body.length; from += piece) {
            out.write(Arrays.copyOfRange(body, from, Math.min(body.length, from + piece)));
            out.flush();
            Thread.sleep(pauseMs);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package teallama.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/** The JDK's HTTP server on 127.0.0.1 at a free port, for tests that need a host of their own. */
final class LocalHttp {
    private LocalHttp() {
    }

    /** Started, answering every path with handler on executor's threads (null: the server's own). */
    static HttpServer start(HttpHandler handler, Executor executor) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        return server;
    }
}

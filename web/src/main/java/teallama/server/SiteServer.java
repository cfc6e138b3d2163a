package teallama.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the site (web/target/site) on 127.0.0.1 with the MIME types WebAssembly needs, the
 * headers of {@link SecurityHeaders}, and a models folder at models/, so the page works offline.
 * The JVM side of the web module: TeaVM never compiles it.
 *
 * <p>A small HTTP/1.1 server of its own rather than com.sun.net.httpserver: every answer, the 400s
 * for malformed requests included, carries the security headers, and its timeouts are per server
 * instead of JVM-wide system properties. Each connection has its own thread (up to
 * {@link #MAX_CONNECTIONS}), so an idle or slow client holds only itself up; a watchdog closes a
 * connection that takes longer than the request timeout to send a request head, or that stops
 * reading an answer for longer than the write timeout.
 */
public final class SiteServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 256;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration LINGER = Duration.ofSeconds(2);

    private final SiteFiles files;
    private final String basePath;
    private final long requestTimeoutNanos;
    private final long writeTimeoutNanos;

    private final ServerSocket serverSocket;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;

    /**
     * Serves site at basePath ("/", or a sub-path like a GitHub Pages project site's "/repo/")
     * and, if models is not null, that folder at basePath + "models/". Port 0 picks a free port;
     * a port in use, or refused, is a {@link BindException} naming it and why.
     */
    public SiteServer(Path site, Path models, int port, String basePath) throws IOException {
        this(site, models, port, basePath, REQUEST_TIMEOUT, WRITE_TIMEOUT);
    }

    SiteServer(Path site, Path models, int port, String basePath, Duration requestTimeout, Duration writeTimeout)
            throws IOException {
        this.files = new SiteFiles(site, models, basePath);
        this.basePath = basePath;
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.writeTimeoutNanos = writeTimeout.toNanos();

        serverSocket = new ServerSocket();
        try {
            serverSocket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 128);
        } catch (BindException e) {
            serverSocket.close();
            throw refusal(port, e);
        }
        AtomicInteger threads = new AtomicInteger();
        workers = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            Thread thread = new Thread(task, "teallama-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "teallama-http-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.scheduleWithFixedDelay(this::closeLateConnections, 100, 100, TimeUnit.MILLISECONDS);
        // not a daemon: it keeps `java -jar` serving after main returns
        new Thread(this::acceptConnections, "teallama-http-accept").start();
    }

    /**
     * Why a port cannot be listened on, in one line: in use, or the system's own reason, such as
     * a port below 1024 that Linux keeps from unprivileged users ("Permission denied").
     */
    static BindException refusal(int port, BindException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        return new BindException("port " + port + " on 127.0.0.1 "
                + (message.contains("in use") ? "is in use" : "cannot be used: " + message));
    }

    public String url() {
        return "http://127.0.0.1:" + serverSocket.getLocalPort() + basePath;
    }

    @Override
    public void close() {
        try {
            serverSocket.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.forEach(Connection::close);
        workers.shutdownNow();
        watchdog.shutdownNow();
    }

    // ----------------------------------------------------------------------------
    // connections

    /** A client's socket and the time by which it must have sent its request or read our last write. */
    private static final class Connection {
        final Socket socket;
        volatile long deadline = Long.MAX_VALUE; // System.nanoTime(); MAX_VALUE while the server itself works

        Connection(Socket socket) {
            this.socket = socket;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private void acceptConnections() {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                pauseAfterFailedAccept();
                continue; // closed (the loop ends), a client that left early, or no file descriptors left
            }
            Connection connection = new Connection(socket);
            connections.add(connection);
            try {
                workers.execute(() -> serve(connection));
            } catch (RejectedExecutionException e) {
                connections.remove(connection);
                refuse(socket);
            }
        }
    }

    private void pauseAfterFailedAccept() {
        if (!serverSocket.isClosed()) {
            try {
                Thread.sleep(50); // out of file descriptors: let connections end instead of spinning
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Too many connections: a short 503 that fits in the socket's buffer, then close. */
    private void refuse(Socket socket) {
        try (socket; OutputStream out = socket.getOutputStream()) {
            SiteFiles.writeError(out, 503, MAX_CONNECTIONS + " connections are open; try again shortly", false);
        } catch (IOException e) {
            // the client left
        }
    }

    private void closeLateConnections() {
        long now = System.nanoTime();
        for (Connection connection : connections) {
            if (now - connection.deadline > 0) {
                connection.close();
            }
        }
    }

    /** Answers requests on one connection until the client or an error ends it. */
    private void serve(Connection connection) {
        try (Socket socket = connection.socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(new DeadlineOutputStream(socket.getOutputStream(), connection),
                    65536);
            boolean keepAlive = true;
            while (keepAlive) {
                connection.deadline = System.nanoTime() + requestTimeoutNanos;
                HttpRequest request;
                try {
                    request = HttpRequest.read(in);
                } catch (HttpError e) {
                    connection.deadline = Long.MAX_VALUE;
                    SiteFiles.writeError(out, e.status, e.getMessage(), false);
                    break;
                }
                connection.deadline = Long.MAX_VALUE;
                if (request == null) {
                    return;
                }
                keepAlive = files.respond(request, out);
            }
            lingeringClose(connection, in);
        } catch (IOException e) {
            // the client went away, or the watchdog closed a late connection
        } finally {
            connections.remove(connection);
        }
    }

    /**
     * Ends a connection the server chose to end. The request may not have been read to its end (a
     * malformed head, a body), and closing with unread input would reset the connection under the
     * answer, so the answer's end is signalled first and what the client still sends is read, for
     * {@link #LINGER} at most.
     */
    private static void lingeringClose(Connection connection, InputStream in) throws IOException {
        connection.socket.shutdownOutput();
        connection.deadline = System.nanoTime() + LINGER.toNanos();
        byte[] discard = new byte[8192];
        while (in.read(discard) >= 0) {
            // until the client closes, or the watchdog does
        }
    }

    /** The socket's output, with the connection's deadline set while each write waits on the client. */
    private final class DeadlineOutputStream extends FilterOutputStream {
        private final Connection connection;

        DeadlineOutputStream(OutputStream out, Connection connection) {
            super(out);
            this.connection = connection;
        }

        @Override
        public void write(byte[] b, int offset, int length) throws IOException {
            connection.deadline = System.nanoTime() + writeTimeoutNanos;
            try {
                out.write(b, offset, length);
            } finally {
                connection.deadline = Long.MAX_VALUE;
            }
        }
    }
}

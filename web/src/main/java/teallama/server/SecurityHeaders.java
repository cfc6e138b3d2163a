package teallama.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers every answer of the site server carries. README.md lists them for other hosts;
 * static/index.html and bench.html repeat {@link #PAGE_POLICY} in a meta element for hosts that
 * send no headers.
 *
 * <p>Measured in Chromium 156 and Firefox 153 ESR: TeaVM's WebAssembly GC runtime compiles the
 * module ('wasm-unsafe-eval') and builds its JavaScript glue with {@code new Function} at load, so
 * the worker needs 'unsafe-eval'; the pages need neither. A dedicated worker takes its policy from
 * its own script's answer (not from the page, nor from a meta element), so JavaScript files get
 * {@link #WORKER_POLICY}, but for the service worker's, which needs no eval ({@link #SERVICE_WORKER_POLICY}),
 * and everything else {@link #PAGE_POLICY}. Models load with fetch() in
 * CORS mode, which Cross-Origin-Embedder-Policy require-corp allows from any server that sends
 * Access-Control-Allow-Origin (Hugging Face does); credentialless works as well in both browsers,
 * but require-corp is the one Safari knows too.
 */
public final class SecurityHeaders {
    private SecurityHeaders() {
    }

    /** Where models may come from: this site, any https address, and servers on this machine. */
    static final String MODEL_SOURCES = "'self' https: http://127.0.0.1:* http://localhost:*";

    /** The pages' policy, as a meta element can carry it. */
    public static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src " + MODEL_SOURCES + "; worker-src 'self'; manifest-src 'self'; "
            + "base-uri 'none'; form-action 'none'";

    /** frame-ancestors works only as a header (a meta element with it makes browsers complain). */
    public static final String PAGE_HEADER_POLICY = PAGE_POLICY + "; frame-ancestors 'none'";

    /** The policy of a worker that runs TeaVM: its own script's answer sets it. */
    public static final String WORKER_POLICY = "default-src 'none'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; "
            + "connect-src " + MODEL_SOURCES + "; worker-src 'self'";

    /** The service worker's policy, which its script's answer sets like a worker's: it fetches only the site's files. */
    public static final String SERVICE_WORKER_POLICY = "default-src 'none'; connect-src 'self'";

    /** The security headers of an answer with this Content-Type, of the site's service worker or not. */
    static Map<String, String> forFile(boolean serviceWorker, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", !contentType.startsWith("text/javascript") ? PAGE_HEADER_POLICY
                : serviceWorker ? SERVICE_WORKER_POLICY : WORKER_POLICY);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        // cross-origin isolation: SharedArrayBuffer for the workers of a multi-threaded story
        headers.put("Cross-Origin-Opener-Policy", "same-origin");
        headers.put("Cross-Origin-Embedder-Policy", "require-corp");
        headers.put("Cross-Origin-Resource-Policy", "same-origin");
        return headers;
    }
}

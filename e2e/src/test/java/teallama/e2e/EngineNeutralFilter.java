package teallama.e2e;

import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

/**
 * Leaves the tests marked {@link EngineNeutral} out of the Firefox classes (each named FirefoxX
 * beside its ChromiumX), so that they run once, in Chromium. JUnit's launcher finds it through
 * META-INF/services; a test left out is not in the test plan at all, neither run nor skipped.
 */
public final class EngineNeutralFilter implements PostDiscoveryFilter {
    @Override
    public FilterResult apply(TestDescriptor descriptor) {
        if (descriptor.getSource().orElse(null) instanceof MethodSource method
                && method.getJavaClass().getSimpleName().startsWith("Firefox")
                && method.getJavaMethod().isAnnotationPresent(EngineNeutral.class)) {
            return FilterResult.excluded("engine-neutral: run in Chromium only");
        }
        return FilterResult.included("not engine-neutral, or not a Firefox class");
    }
}

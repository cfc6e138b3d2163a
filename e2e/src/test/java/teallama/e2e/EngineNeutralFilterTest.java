package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The launcher, as surefire runs it, plans the engine-neutral tests in Chromium's class and not in Firefox's. */
class EngineNeutralFilterTest {
    /** The names of the test methods that a launcher with its default configuration plans for the class. */
    private static Set<String> planned(Class<?> testClass) {
        TestPlan plan = LauncherFactory.create().discover(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build());
        return plan.getRoots().stream().flatMap((root) -> plan.getDescendants(root).stream())
                .map(TestIdentifier::getSource).flatMap(Optional::stream)
                .filter(MethodSource.class::isInstance).map((source) -> ((MethodSource) source).getMethodName())
                .collect(Collectors.toSet());
    }

    @Test
    void firefoxLeavesOutTheEngineNeutralTestsAndRunsTheRest() {
        Set<String> chromium = planned(ChromiumNewUserPageTest.class);
        Set<String> firefox = planned(FirefoxNewUserPageTest.class);
        assertTrue(chromium.contains("commaDecimalsAreAccepted") && chromium.contains("enterStartsAndShiftEnterAddsALine"),
                chromium.toString());
        assertFalse(firefox.contains("commaDecimalsAreAccepted"), firefox.toString());
        assertTrue(firefox.contains("enterStartsAndShiftEnterAddsALine"), firefox.toString());
        assertEquals(20, chromium.size(), chromium.toString());
        assertEquals(8, firefox.size(), firefox.toString());
    }

    @Test
    void aParameterizedEngineNeutralTestIsLeftOutWhole() {
        assertTrue(planned(ChromiumStoryPageTest.class).contains("aCopiedLinkTellsTheSameStoryAgain"));
        assertFalse(planned(FirefoxStoryPageTest.class).contains("aCopiedLinkTellsTheSameStoryAgain"));
    }
}

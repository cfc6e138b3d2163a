package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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

    /** The names of the tests the class declares, those marked engine-neutral or the rest. */
    private static Set<String> declared(Class<?> testClass, boolean engineNeutral) {
        return Arrays.stream(testClass.getDeclaredMethods())
                .filter((m) -> m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class))
                .filter((m) -> m.isAnnotationPresent(EngineNeutral.class) == engineNeutral)
                .map(Method::getName).collect(Collectors.toSet());
    }

    @Test
    void firefoxLeavesOutTheEngineNeutralTestsAndRunsTheRest() {
        Set<String> neutral = declared(NewUserPageTest.class, true);
        Set<String> rest = declared(NewUserPageTest.class, false);
        assertTrue(neutral.contains("commaDecimalsAreAccepted") && rest.contains("enterStartsAndShiftEnterAddsALine"));
        Set<String> all = new HashSet<>(neutral);
        all.addAll(rest);
        assertEquals(all, planned(ChromiumNewUserPageTest.class));
        assertEquals(rest, planned(FirefoxNewUserPageTest.class));
    }

    @Test
    void aParameterizedEngineNeutralTestIsLeftOutWhole() {
        assertTrue(planned(ChromiumStoryPageTest.class).contains("aCopiedLinkTellsTheSameStoryAgain"));
        assertFalse(planned(FirefoxStoryPageTest.class).contains("aCopiedLinkTellsTheSameStoryAgain"));
    }
}

package teallama.e2e;

class FirefoxInspectorPageTest extends InspectorPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

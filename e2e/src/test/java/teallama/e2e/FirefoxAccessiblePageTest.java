package teallama.e2e;

class FirefoxAccessiblePageTest extends AccessiblePageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

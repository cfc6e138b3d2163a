package teallama.e2e;

class ChromiumAccessiblePageTest extends AccessiblePageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

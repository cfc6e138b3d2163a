package teallama.e2e;

class FirefoxPlainHostPageTest extends PlainHostPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

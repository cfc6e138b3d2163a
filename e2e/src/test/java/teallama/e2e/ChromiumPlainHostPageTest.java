package teallama.e2e;

class ChromiumPlainHostPageTest extends PlainHostPageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

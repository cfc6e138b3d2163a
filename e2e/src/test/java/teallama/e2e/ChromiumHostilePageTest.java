package teallama.e2e;

class ChromiumHostilePageTest extends HostilePageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

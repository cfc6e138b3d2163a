package teallama.e2e;

class FirefoxHostilePageTest extends HostilePageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

package teallama.e2e;

class FirefoxOfflineTest extends OfflineTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

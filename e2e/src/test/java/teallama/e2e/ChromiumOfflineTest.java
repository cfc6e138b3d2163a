package teallama.e2e;

class ChromiumOfflineTest extends OfflineTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

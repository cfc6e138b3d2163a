package teallama.e2e;

class ChromiumThreadsTest extends ThreadsTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

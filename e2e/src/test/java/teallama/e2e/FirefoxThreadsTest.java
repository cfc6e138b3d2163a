package teallama.e2e;

class FirefoxThreadsTest extends ThreadsTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

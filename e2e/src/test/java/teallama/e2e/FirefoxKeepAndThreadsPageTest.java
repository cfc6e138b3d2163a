package teallama.e2e;

class FirefoxKeepAndThreadsPageTest extends KeepAndThreadsPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

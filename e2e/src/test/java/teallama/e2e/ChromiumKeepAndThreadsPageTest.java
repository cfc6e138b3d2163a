package teallama.e2e;

class ChromiumKeepAndThreadsPageTest extends KeepAndThreadsPageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

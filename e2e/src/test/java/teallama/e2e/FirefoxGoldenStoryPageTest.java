package teallama.e2e;

class FirefoxGoldenStoryPageTest extends GoldenStoryPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

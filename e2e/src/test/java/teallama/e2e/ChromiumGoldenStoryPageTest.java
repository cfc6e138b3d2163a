package teallama.e2e;

class ChromiumGoldenStoryPageTest extends GoldenStoryPageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

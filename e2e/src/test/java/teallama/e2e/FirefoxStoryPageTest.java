package teallama.e2e;

class FirefoxStoryPageTest extends StoryPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

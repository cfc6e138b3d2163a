package teallama.e2e;

class ChromiumNewUserPageTest extends NewUserPageTest {
    @Override
    String browserName() {
        return "chromium";
    }
}

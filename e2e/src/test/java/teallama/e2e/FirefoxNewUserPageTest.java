package teallama.e2e;

class FirefoxNewUserPageTest extends NewUserPageTest {
    @Override
    String browserName() {
        return "firefox";
    }
}

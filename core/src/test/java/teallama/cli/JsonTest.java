package teallama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void stringsEscapeWhatJsonNeeds() {
        assertEquals("\"a\\\"b\\\\c\\u000a\\u0000\u2423\"", Json.string(new StringBuilder(), "a\"b\\c\n\u0000\u2423").toString());
    }
}

package teallama;

/**
 * Turns the byte pieces of a story into text for a page, whole characters at a time: a
 * character that byte-fallback tokens spell one byte at a time (an emoji is four tokens) shows
 * once its last byte arrives, where run.c's safe_printf would drop every byte of it. Lone ASCII
 * control bytes, and bytes that make no valid UTF-8, are dropped as safe_printf drops them, so
 * the page shows run.c's text plus the characters run.c cannot print. A character still unfinished
 * when the story ends shows nothing, as run.c prints none of its bytes.
 */
public final class TextStream {
    private final byte[] pending = new byte[4]; // the start of an unfinished character
    private int pendingLength;
    private int expectedLength;

    /** The text that the piece completes (possibly empty). */
    public String append(byte[] piece) {
        StringBuilder out = new StringBuilder();
        if (piece.length == 1 && (piece[0] & 0x80) == 0 && !Tokenizer.isSafeToPrint(piece)) {
            return "";
        }
        for (byte b : piece) {
            accept(b & 0xff, out);
        }
        return out.toString();
    }

    private void accept(int b, StringBuilder out) {
        if (pendingLength > 0) {
            if ((b & 0xC0) == 0x80 && continuationAllowed(b)) {
                pending[pendingLength++] = (byte) b;
                if (pendingLength == expectedLength) {
                    out.appendCodePoint(codePoint());
                    pendingLength = 0;
                }
                return;
            }
            pendingLength = 0; // the character broke off; this byte starts afresh
        }
        if (b < 0x80) {
            out.append((char) b);
        } else if (b >= 0xC2 && b <= 0xF4) {
            expectedLength = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            pending[0] = (byte) b;
            pendingLength = 1;
        }
    }

    /** Rejects overlong forms, surrogates and code points past U+10FFFF at the second byte. */
    private boolean continuationAllowed(int b) {
        if (pendingLength != 1) {
            return true;
        }
        int lead = pending[0] & 0xff;
        return switch (lead) {
            case 0xE0 -> b >= 0xA0;
            case 0xED -> b < 0xA0;
            case 0xF0 -> b >= 0x90;
            case 0xF4 -> b < 0x90;
            default -> true;
        };
    }

    private int codePoint() {
        int lead = pending[0] & 0xff;
        int cp = lead & (expectedLength == 2 ? 0x1F : expectedLength == 3 ? 0x0F : 0x07);
        for (int i = 1; i < expectedLength; i++) {
            cp = (cp << 6) | (pending[i] & 0x3F);
        }
        return cp;
    }
}

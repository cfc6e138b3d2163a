package teallama;

/**
 * The sampling knobs of run.c's command line, read from text and clamped as run.c clamps them,
 * so the command line and the page accept the same values and mean the same by them.
 */
public final class Settings {
    public static final float DEFAULT_TEMPERATURE = 1.0f;
    public static final float DEFAULT_TOPP = 0.9f;
    public static final int DEFAULT_STEPS = 256;
    /** The most steps a story may take when it keeps writing past the context window. */
    public static final int MAX_STEPS_PAST_CONTEXT = 100_000;

    private Settings() {
    }

    /** run.c: a temperature below 0 is 0, greedy argmax. */
    public static float clampTemperature(float temperature) {
        return temperature < 0.0f ? 0.0f : temperature;
    }

    /** run.c: a top-p outside [0, 1] is the default 0.9. */
    public static float clampTopp(float topp) {
        return topp < 0.0f || 1.0f < topp ? DEFAULT_TOPP : topp;
    }

    /**
     * The tokens to keep when the context fills: 0 stops there, as run.c does; otherwise 1 to
     * seq_len - 1. A context of one token has none to keep.
     */
    public static int keep(String name, int keep, int seqLen) {
        if (keep != 0 && seqLen < 2) {
            throw new IllegalArgumentException(name + " expects 0 (stop at seq_len, as run.c): a context of "
                    + seqLen + " token cannot be written past, found " + keep);
        }
        if (keep < 0 || keep >= seqLen) {
            throw new IllegalArgumentException(name + " expects 0 (stop at seq_len, as run.c) or 1 to " + (seqLen - 1)
                    + " tokens to keep (seq_len is " + seqLen + "), found " + keep);
        }
        return keep;
    }

    /**
     * Steps as run.c clamps them (0, negative or more than seq_len mean seq_len), unless tokens
     * are kept: then 0 or negative still mean seq_len, and up to {@link #MAX_STEPS_PAST_CONTEXT}
     * may be asked for.
     */
    public static int steps(String name, int steps, int seqLen, int keep) {
        if (keep == 0 || steps <= 0) {
            return Generator.clampSteps(steps, seqLen);
        }
        if (steps > MAX_STEPS_PAST_CONTEXT) {
            throw new IllegalArgumentException(name + " expects at most " + MAX_STEPS_PAST_CONTEXT
                    + " steps when writing past the context, found " + steps);
        }
        return steps;
    }

    /** run.c's seed: the int atoi reads, as an unsigned 64-bit state (so -7 is 2^64 - 7). */
    public static long seed(int atoi) {
        return atoi;
    }

    /**
     * A decimal number such as 0.9, -1, 1e-3 or .5, rounded to float as atof's double is, or
     * inf or infinity in any case with an optional sign, as atof reads them; anything else (other
     * words, trailing letters, nan, hex) is refused.
     */
    public static float number(String name, String text) {
        String s = text.strip();
        int i = skipSign(s, 0);
        if (isWordInAnyCase(s, i, "inf") || isWordInAnyCase(s, i, "infinity")) {
            return s.charAt(0) == '-' ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        }
        int digits = countDigits(s, i);
        i += digits;
        if (i < s.length() && s.charAt(i) == '.') {
            int fraction = countDigits(s, i + 1);
            digits += fraction;
            i += 1 + fraction;
        }
        if (digits > 0 && i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int exponentStart = skipSign(s, i + 1);
            int exponent = countDigits(s, exponentStart);
            i = exponent > 0 ? exponentStart + exponent : -1;
        }
        if (digits == 0 || i != s.length()) {
            throw new IllegalArgumentException(name + " expects a number, found '" + text + "'");
        }
        return (float) Double.parseDouble(s);
    }

    /**
     * A whole number, read as C's atoi reads it: strtol's value, clamped to 64 bits, then cut to
     * 32, so seeds and steps wrap exactly as in run.c; anything else is refused.
     */
    public static int wholeNumber(String name, String text) {
        return (int) strtol(name, text);
    }

    /**
     * A whole number for an option run.c does not have, so no atoi to copy: one beyond int is
     * refused as typed rather than wrapped into another.
     */
    public static int exactWholeNumber(String name, String text) {
        long value = strtol(name, text);
        if (value != (int) value) {
            throw new IllegalArgumentException(name + " expects a whole number from " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE + ", found '" + text + "'");
        }
        return (int) value;
    }

    /** strtol's value of a whole number, saturated at 64 bits; anything else is refused. */
    private static long strtol(String name, String text) {
        String s = text.strip();
        int start = skipSign(s, 0);
        if (countDigits(s, start) == 0 || start + countDigits(s, start) != s.length()) {
            throw new IllegalArgumentException(name + " expects a whole number, found '" + text + "'");
        }
        boolean negative = s.charAt(0) == '-';
        long value = 0;
        for (int i = start; i < s.length(); i++) {
            int digit = s.charAt(i) - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                return negative ? Long.MIN_VALUE : Long.MAX_VALUE; // strtol saturates
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    /** Whether s from i on is the lower-case word, its ASCII letters in any case (strtod's strncasecmp). */
    private static boolean isWordInAnyCase(String s, int i, String word) {
        if (s.length() - i != word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            char c = s.charAt(i + k);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSign(String s, int i) {
        return i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-') ? i + 1 : i;
    }

    private static int countDigits(String s, int i) {
        int n = 0;
        while (i + n < s.length() && s.charAt(i + n) >= '0' && s.charAt(i + n) <= '9') {
            n++;
        }
        return n;
    }
}

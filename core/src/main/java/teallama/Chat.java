package teallama;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * run.c's chat mode: the user's turn is rendered into the Llama 2 chat template and forced, then
 * the assistant samples until it produces EOS, which hands the turn back. One position per
 * {@link #next()}; the caller supplies a turn whenever {@link #awaitingUser()} is true.
 */
public final class Chat {
    private static final int EOS = Tokenizer.EOS;

    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final int steps;
    private int[] promptTokens = new int[0];
    private int userIdx;
    private boolean userTurn = true; // user starts
    private int next;
    private int pos;

    public Chat(Transformer transformer, Tokenizer tokenizer, Sampler sampler, int steps) {
        Generator.checkSteps(transformer, steps);
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.steps = steps;
        transformer.sumExponentials(false); // the inspector's, which would take the place of the numerators
    }

    /**
     * The Llama 2 chat schema, in bytes as run.c's sprintf writes it: each prompt is a C string
     * (it ends at its first NUL), and the system prompt only counts in the first turn.
     */
    public static byte[] render(byte[] systemPrompt, byte[] userPrompt, boolean firstTurn) {
        byte[] system = cString(systemPrompt);
        byte[] user = cString(userPrompt);
        ByteArrayOutputStream rendered = new ByteArrayOutputStream();
        if (firstTurn && system.length > 0) {
            rendered.writeBytes(ascii("[INST] <<SYS>>\n"));
            rendered.writeBytes(system);
            rendered.writeBytes(ascii("\n<</SYS>>\n\n"));
        } else {
            rendered.writeBytes(ascii("[INST] "));
        }
        rendered.writeBytes(user);
        rendered.writeBytes(ascii(" [/INST]"));
        return rendered.toByteArray();
    }

    private static byte[] cString(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return Arrays.copyOf(bytes, i);
            }
        }
        return bytes;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    public boolean isDone() {
        return pos >= steps;
    }

    /** True when the next position needs the user's words. */
    public boolean awaitingUser() {
        return userTurn && !isDone();
    }

    /** True before the first turn, the only one that takes a system prompt. */
    public boolean atStart() {
        return pos == 0;
    }

    /** The user's words (and, in the first turn, the system prompt), as bytes. */
    public void userTurn(byte[] systemPrompt, byte[] userPrompt) {
        if (!awaitingUser()) {
            throw new IllegalStateException("it is not the user's turn");
        }
        promptTokens = tokenizer.encode(render(systemPrompt, userPrompt, pos == 0), true, false);
        userIdx = 0;
        userTurn = false;
    }

    /** The output of one position. */
    public record Step(
            byte[] piece,          // what the assistant said (may be empty), or null while the prompt is read
            boolean endOfTurn) {   // the assistant produced EOS; run.c prints a newline
    }

    /** @throws GenerationException when the logits are not finite */
    public Step next() {
        if (awaitingUser() || isDone()) {
            throw new IllegalStateException(isDone() ? "the chat has used all its steps" : "the user's turn is due");
        }
        // determine the token to pass into the transformer next
        int token;
        if (userIdx < promptTokens.length) {
            // if we are still processing the input prompt, force the next prompt token
            token = promptTokens[userIdx++];
        } else {
            // otherwise use the next token sampled from previous turn
            token = next;
        }
        // EOS (=2) token ends the Assistant turn
        if (token == EOS) {
            userTurn = true;
        }

        // forward the transformer to get logits for the next token
        transformer.exponentiateAt(sampler.temperature()); // run.c's chat samples at every position
        float[] logits = transformer.forward(token, pos);
        float exponentiatedAt = Generator.checkedForward(transformer, logits, pos);
        next = sampler.choose(logits, sampler.toProbabilities(logits, exponentiatedAt));
        pos++;

        byte[] piece = null;
        if (userIdx >= promptTokens.length && next != EOS) {
            // the Assistant is responding
            piece = tokenizer.decode(token, next);
        }
        return new Step(piece, next == EOS);
    }
}

package teallama.cli;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

import teallama.Generator;
import teallama.Inspector;
import teallama.Tokenizer;

/**
 * The file of --probs: one line of JSON per step of a story that inspects its candidates, such as
 * <pre>{"pos":1,"token":403,"piece":" Once","prompt":true,"greedy":false,"candidates":[
 * {"token":403,"piece":" Once","prob":0.51,"sampled":true},{"token":7,"piece":"&lt;0x04&gt;","prob":0.002,"cut":true},...]}</pre>
 * (one line in the file). Its errors name the file.
 */
final class ProbsFile implements AutoCloseable {
    private final String path;
    private final Tokenizer tokenizer;
    private final Writer out;

    ProbsFile(String path, Tokenizer tokenizer) throws IOException {
        this.path = path;
        this.tokenizer = tokenizer;
        try {
            out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(path), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Writes the line of the generator's last step. */
    void write(Generator generator) throws IOException {
        try {
            out.write(line(generator));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private IOException failed(IOException e) {
        return new IOException("cannot write probabilities file " + path + ": " + e.getMessage(), e);
    }

    /**
     * pos: the token's place in the story (BOS is 0; past the context window it goes on
     * counting); token and piece: the token the step chose and its piece as the tokenizer has
     * it; prompt: the prompt forced it; greedy: the largest logit won (probabilities are then
     * those of temperature 1); candidates: the most probable first, each with its probability,
     * sampled on the chosen one and cut on those top-p would not draw.
     */
    private String line(Generator generator) {
        Inspector.Candidates c = generator.candidates();
        StringBuilder line = new StringBuilder();
        line.append("{\"pos\":").append(generator.position());
        line.append(",\"token\":").append(generator.token());
        Json.string(line.append(",\"piece\":"), piece(generator.token()));
        line.append(",\"prompt\":").append(generator.forced());
        line.append(",\"greedy\":").append(c.greedy());
        line.append(",\"candidates\":[");
        for (int r = 0; r < c.rows(); r++) {
            line.append(r == 0 ? "{" : ",{");
            line.append("\"token\":").append(c.tokens()[r]);
            Json.string(line.append(",\"piece\":"), piece(c.tokens()[r]));
            line.append(",\"prob\":").append(c.probabilities()[r]);
            if (r == c.chosenRow()) {
                line.append(",\"sampled\":true");
            }
            if (c.cut()[r]) {
                line.append(",\"cut\":true");
            }
            line.append('}');
        }
        return line.append("]}\n").toString();
    }

    /** The piece as text: UTF-8, with any invalid byte as U+FFFD (byte tokens are ASCII, like <0x0A>). */
    private String piece(int id) {
        return new String(tokenizer.piece(id), StandardCharsets.UTF_8);
    }
}

package teallama.server;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of teallama-web.jar: serve the site, or write an offline demo kit. */
public final class Main {
    private Main() {
    }

    static final String USAGE = """
            Usage: java -jar web/target/teallama-web.jar [--port N] [--models DIR] [--site DIR]
                   java -jar web/target/teallama-web.jar kit OUT_DIR --model FILE --tokenizer FILE
                                                         [--model FILE --tokenizer FILE ...] [--site DIR]
              --port N      port on 127.0.0.1 (default 8080; 0 picks a free one)
              --models DIR  a folder of model and tokenizer files to serve at models/ (default: the
                            site's own models/ if it has one, else ../shared/models beside the checkout)
              --site DIR    the built site (default: web/target/site beside this jar)
              kit OUT_DIR   writes the site and each model with its tokenizer into OUT_DIR, a new folder,
                            listed in OUT_DIR/models/index.json; serve it with --site OUT_DIR
            """;

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs a command; 0 when it worked (a server goes on serving), 1 after a one-line reason on err. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            List<String> arguments = List.of(args);
            if (arguments.contains("-h") || arguments.contains("--help")) {
                out.print(USAGE);
            } else if (!arguments.isEmpty() && arguments.get(0).equals("kit")) {
                kit(arguments.subList(1, arguments.size()), out);
            } else {
                serve(arguments, out);
            }
            return 0;
        } catch (Failure e) {
            err.println("teallama-web: " + e.getMessage());
            if (e.showUsage) {
                err.print(USAGE);
            }
            return 1;
        } catch (IOException e) {
            err.println("teallama-web: " + describe(e));
            return 1;
        } catch (InvalidPathException e) {
            err.println("teallama-web: cannot use the name '" + e.getInput() + "': it holds characters that the locale's "
                    + "charset (" + System.getProperty("sun.jnu.encoding") + ") cannot carry; run with a UTF-8 locale "
                    + "(e.g. LC_ALL=C.UTF-8)");
            return 1;
        }
    }

    /** An error of the file system with its reason: Java's message for some is the file's name alone. */
    private static String describe(IOException e) {
        if (!(e instanceof FileSystemException f) || f.getReason() != null) {
            return e.getMessage();
        }
        String reason = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NoSuchFileException ? "no such file or folder"
                : e instanceof FileAlreadyExistsException ? "already exists"
                : e instanceof NotDirectoryException ? "not a folder"
                : e instanceof DirectoryNotEmptyException ? "a folder that is not empty"
                : e.getClass().getSimpleName();
        return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
    }

    /** Starts the server the options describe and says where it is. */
    static SiteServer serve(List<String> arguments, PrintStream out) throws Failure, IOException {
        return serve(arguments, out, jarDirectory());
    }

    /** As {@link #serve(List, PrintStream)}, with the jar in jarDirectory (web/target of a checkout). */
    static SiteServer serve(List<String> arguments, PrintStream out, Path jarDirectory) throws Failure, IOException {
        Path site = null;
        Path models = null;
        int port = 8080;
        for (int i = 0; i < arguments.size(); i += 2) {
            switch (arguments.get(i)) {
                case "--port" -> port = parsePort(value(arguments, i));
                case "--models" -> models = modelsFolder(value(arguments, i));
                case "--site" -> site = Path.of(value(arguments, i));
                default -> throw new Failure("unknown option " + arguments.get(i), true);
            }
        }
        if (site == null) {
            site = jarDirectory.resolve("site");
        } else if (!Files.isRegularFile(site.resolve("index.html")) || !Files.isReadable(site.resolve("index.html"))) {
            if (Files.isRegularFile(site.resolve("index.html"))
                    || Files.isDirectory(site) && !(Files.isReadable(site) && Files.isExecutable(site))) {
                throw new Failure("cannot read the site at " + site + ": permission denied");
            }
            // SiteFiles' own message tells to build the default site, which would not make this one
            throw new Failure("no site at " + site + ": --site expects a folder with an index.html, such as "
                    + "web/target/site or a kit's folder");
        }
        String served;
        if (models != null) {
            served = "models from " + models;
        } else if (Files.isDirectory(site.resolve("models"))) {
            served = "models bundled in the site";
        } else {
            Path shared = jarDirectory.resolve("../../../shared/models").normalize();
            models = Files.isDirectory(shared) ? shared : null;
            served = models != null ? "models from " + shared : "no models folder at " + shared
                    + ": scripts/fetch-models downloads stories260K there; serving the site alone";
        }
        SiteServer server;
        try {
            server = new SiteServer(site, models, port, "/");
        } catch (BindException e) {
            throw new Failure(e.getMessage() + "; choose another with --port N (--port 0 picks a free one)");
        }
        out.println("Teallama at " + server.url() + " (" + served + ")");
        out.println("Press Ctrl+C to stop.");
        return server;
    }

    /** Writes an offline demo kit and says how to serve it. */
    static void kit(List<String> arguments, PrintStream out) throws Failure, IOException {
        if (arguments.isEmpty() || arguments.get(0).startsWith("-")) {
            throw new Failure("kit needs the folder to write, then --model FILE --tokenizer FILE", true);
        }
        Path folder = Path.of(arguments.get(0));
        Path site = jarDirectory().resolve("site");
        List<DemoKit.Choice> choices = new ArrayList<>();
        Path model = null;
        for (int i = 1; i < arguments.size(); i += 2) {
            switch (arguments.get(i)) {
                case "--model" -> {
                    if (model != null) {
                        throw new Failure("--model " + model + " has no --tokenizer after it", true);
                    }
                    model = Path.of(value(arguments, i));
                }
                case "--tokenizer" -> {
                    String value = value(arguments, i);
                    if (model == null) {
                        throw new Failure("--tokenizer " + value + " has no --model before it", true);
                    }
                    choices.add(new DemoKit.Choice(model, Path.of(value)));
                    model = null;
                }
                case "--site" -> site = Path.of(value(arguments, i));
                default -> throw new Failure("unknown option " + arguments.get(i), true);
            }
        }
        if (model != null) {
            throw new Failure("--model " + model + " has no --tokenizer after it", true);
        }
        if (choices.isEmpty()) {
            throw new Failure("kit needs at least one --model FILE --tokenizer FILE", true);
        }
        if (Main.class.getClassLoader().getResource("teallama/Checkpoint.class") == null) {
            throw new Failure("the kit reads models with Teallama's core: keep this jar in web/target beside "
                    + "core/target/teallama.jar (mvn -B package -DskipTests builds both)");
        }
        List<DemoKit.Entry> entries = DemoKit.write(site, folder, choices);
        out.println("Wrote " + folder + ": the site and " + entries.size() + (entries.size() == 1 ? " model" : " models"));
        for (DemoKit.Entry e : entries) {
            out.println("  " + e.name() + ": models/" + e.model() + " (" + e.modelBytes() + " bytes), models/"
                    + e.tokenizer() + " (" + e.tokenizerBytes() + " bytes)");
        }
        out.println("Serve it with: java -jar web/target/teallama-web.jar --site " + shellWord(folder.toString())
                + " (or copy it to any static server)");
    }

    /** The word as a POSIX shell reads it back: in single quotes unless it holds only safe characters. */
    static String shellWord(String word) {
        return !word.isEmpty() && word.matches("[A-Za-z0-9_./:=+,@%-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * The folder --models names; refused where it is none, since the server would answer every
     * model with 404 (and an empty name would serve the working folder).
     */
    private static Path modelsFolder(String value) throws Failure {
        Path folder = Path.of(value);
        if (value.isEmpty() || !Files.isDirectory(folder)) {
            throw new Failure("--models expects a folder of model and tokenizer files, found '" + value + "'"
                    + (value.isEmpty() ? "" : Files.exists(folder) ? ", which is not a folder" : ", which does not exist"));
        }
        if (!(Files.isReadable(folder) && Files.isExecutable(folder))) {
            throw new Failure("--models expects a folder this server can read, found '" + value + "': permission denied");
        }
        return folder;
    }

    private static String value(List<String> arguments, int i) throws Failure {
        if (i + 1 >= arguments.size()) {
            throw new Failure(arguments.get(i) + " needs a value", true);
        }
        return arguments.get(i + 1);
    }

    private static int parsePort(String value) throws Failure {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // the message below says what was expected
        }
        throw new Failure("--port expects a number from 0 to 65535, found '" + value + "'", true);
    }

    /** web/target when run from the jar or from target/classes. */
    private static Path jarDirectory() {
        try {
            return new File(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath()
                    .toAbsolutePath().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot find the jar's folder", e);
        }
    }
}

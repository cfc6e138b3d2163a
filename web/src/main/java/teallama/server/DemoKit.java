package teallama.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import teallama.Checkpoint;
import teallama.FormatException;
import teallama.Tokenizer;

/**
 * The offline demo kit: one folder holding the site and chosen models with their tokenizers in
 * models/, listed in models/index.json, so any static server (or this jar with --site) runs it
 * without a network:
 *
 * <pre>
 * {"models": [
 *   {"name": "stories260K", "model": "stories260K.bin", "tokenizer": "tok512.bin", "modelBytes": 1056540, "tokenizerBytes": 6038}
 * ]}
 * </pre>
 *
 * File names are relative to models/index.json. Every model is read and checked against its
 * tokenizer before anything is written; a new folder appears whole or not at all, and an empty one
 * given is filled by renaming into it the files made in a hidden folder within.
 */
final class DemoKit {
    private DemoKit() {
    }

    /** A model file and the tokenizer it runs with, as given on the command line. */
    record Choice(Path model, Path tokenizer) {
    }

    /** One bundled model, as models/index.json lists it. */
    record Entry(String name, String model, String tokenizer, long modelBytes, long tokenizerBytes) {
    }

    /** Writes site and choices into out, a new or empty folder; the entries of its manifest. */
    static List<Entry> write(Path site, Path out, List<Choice> choices) throws Failure, IOException {
        if (!Files.isRegularFile(site.resolve("index.html"))) {
            throw new Failure("no site at " + site + " (build it with: mvn -B package -DskipTests)");
        }
        if (out.toString().isEmpty()) {
            throw new Failure("kit expects a folder to write, found an empty name");
        }
        if (Files.isSymbolicLink(out) && !Files.exists(out)) {
            throw new Failure(out + " is a link to " + Files.readSymbolicLink(out) + ", which does not exist; "
                    + "give the kit a folder");
        }
        if (Files.exists(out) && !isEmptyFolder(out)) {
            throw new Failure(out + " already exists and is not an empty folder; give the kit a new folder");
        }
        Path outside = out.toAbsolutePath().normalize();
        Path existing = nearestExisting(outside);
        if (!Files.isDirectory(existing)) {
            throw new Failure(out + ": " + existing + " is a file, not a folder; give the kit a folder");
        }
        // by real paths: a symbolic link on the way may lead into the site
        Path real = existing.toRealPath().resolve(existing.relativize(outside));
        if (real.startsWith(site.toRealPath())) {
            throw new Failure(out + " is inside the site " + site + "; give the kit a folder elsewhere");
        }
        List<Entry> entries = check(choices);
        boolean folderExists = Files.exists(outside); // and is empty, checked above
        // made beside the kit's folder, or inside it where it exists, so that it moves into place
        // by renaming, on one file system
        Path partialParent = folderExists ? outside : Files.createDirectories(outside.getParent());
        // a folder of the permissions a new one gets (a temporary one's are its owner's alone, and a
        // kit is for a web server, another user, to read)
        Path partial = Files.createDirectory(partialParent.resolve("." + outside.getFileName() + ".partial-"
                + Long.toUnsignedString(new SecureRandom().nextLong())));
        try {
            copySite(site, partial);
            Path models = Files.createDirectory(partial.resolve("models"));
            for (Choice choice : choices) {
                Files.copy(choice.model(), models.resolve(choice.model().getFileName().toString()),
                        StandardCopyOption.REPLACE_EXISTING);
                Files.copy(choice.tokenizer(), models.resolve(choice.tokenizer().getFileName().toString()),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(models.resolve("index.json"), manifest(entries), StandardCharsets.UTF_8);
            if (Files.exists(partial.resolve(SiteManifest.FILE))) {
                SiteManifest.write(partial); // the page finds the kit's models, and the service worker keeps their list
            }
            if (folderExists) {
                // the empty folder stays (it may be where the shell is, or a mount point): its files move in
                try (var files = Files.list(partial)) {
                    for (Path file : files.toList()) {
                        Files.move(file, outside.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            } else {
                Files.move(partial, outside, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            deleteTree(partial);
        }
        return entries;
    }

    /** path itself where it exists, else the nearest of its folders that does. */
    private static Path nearestExisting(Path path) {
        Path existing = path;
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }

    /** Each model is a checkpoint that its tokenizer fits; no two different files share a name. */
    private static List<Entry> check(List<Choice> choices) throws Failure, IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Choice choice : choices) {
            Checkpoint.Header header = header(choice.model());
            long modelBytes = Files.size(choice.model());
            byte[] tokenizerBytes = read(choice.tokenizer(), "tokenizer");
            try {
                Tokenizer.read(tokenizerBytes, header.config().vocabSize());
            } catch (FormatException e) {
                throw new Failure(choice.tokenizer() + " (the tokenizer for " + choice.model() + "): " + e.getMessage());
            }
            String modelName = claimName(files, choice.model());
            String tokenizerName = claimName(files, choice.tokenizer());
            String name = modelName.endsWith(".bin") ? modelName.substring(0, modelName.length() - 4) : modelName;
            for (Entry entry : entries) {
                if (entry.name().equals(name)) {
                    throw new Failure("the model " + name + " is given twice");
                }
            }
            entries.add(new Entry(name, modelName, tokenizerName, modelBytes, tokenizerBytes.length));
        }
        return entries;
    }

    /** A model's header, checked against the file's length: what the page would check first. */
    private static Checkpoint.Header header(Path file) throws Failure, IOException {
        if (!Files.isRegularFile(file)) {
            throw new Failure("no model file at " + file);
        }
        byte[] start = new byte[Checkpoint.HEADER_BYTES];
        int length;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(start, 0, start.length);
        }
        try {
            Checkpoint.Header header = Checkpoint.header(start, length, Files.size(file));
            header.checkFileSize(Files.size(file));
            return header;
        } catch (FormatException e) {
            throw new Failure(file + ": " + e.getMessage());
        }
    }

    private static byte[] read(Path file, String what) throws Failure, IOException {
        if (!Files.isRegularFile(file)) {
            throw new Failure("no " + what + " file at " + file);
        }
        if (Files.size(file) > Integer.MAX_VALUE - 8) {
            throw new Failure(file + ": " + Files.size(file) + " bytes, more than a " + what + " can have (2 GB)");
        }
        return Files.readAllBytes(file);
    }

    /** The file's name in models/; the same file may be named twice (a shared tokenizer), another may not. */
    private static String claimName(Map<String, Path> files, Path file) throws Failure, IOException {
        String name = file.getFileName().toString();
        if (name.equals("index.json")) {
            throw new Failure(file + ": index.json is the kit's own list of models; rename the file");
        }
        if (name.startsWith(".")) {
            throw new Failure(file + ": the local server, as many others, serves no file whose name starts "
                    + "with a dot; rename the file");
        }
        if (name.contains("\\")) {
            throw new Failure(file + ": the page takes no file name with \\ (some servers read it as a folder); "
                    + "rename the file");
        }
        Path earlier = files.putIfAbsent(name, file);
        if (earlier != null && !Files.isSameFile(earlier, file) && Files.mismatch(earlier, file) != -1) {
            throw new Failure("two different files named " + name + ": " + earlier + " and " + file);
        }
        return name;
    }

    /** The site's files, without a models/ folder of its own. */
    private static void copySite(Path site, Path out) throws IOException {
        try (Stream<Path> files = Files.walk(site)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = site.relativize(file);
                if (relative.getNameCount() > 0 && relative.getName(0).toString().equals("models")) {
                    continue;
                }
                Path target = out.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    static String manifest(List<Entry> entries) {
        StringBuilder json = new StringBuilder("{\"models\": [\n");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            json.append("  {\"name\": ").append(quote(e.name())).append(", \"model\": ").append(quote(e.model()))
                    .append(", \"tokenizer\": ").append(quote(e.tokenizer()))
                    .append(", \"modelBytes\": ").append(e.modelBytes())
                    .append(", \"tokenizerBytes\": ").append(e.tokenizerBytes()).append('}')
                    .append(i + 1 < entries.size() ? ",\n" : "\n");
        }
        return json.append("]}\n").toString();
    }

    static String quote(String s) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < ' ') {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static boolean isEmptyFolder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}

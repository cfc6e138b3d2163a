package teallama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output that leads to a file of the running Java is refused before it is opened: with
 * stdout closed (`>&-`), the JVM holds its own lib/modules on descriptor 1, and `quantize IN
 * /dev/stdout` emptied it, which broke every Java on the machine. Here a stand-in directory
 * plays the Java's files, so that a guard that fails empties nothing of the real one.
 */
class JavasOwnFilesTest {

    @Test
    void aDescriptorThatThisProcessHoldsOnAFileOfJavasIsRefused(@TempDir Path dir) throws IOException {
        Path java = Files.createDirectories(dir.resolve("jdk/lib"));
        Path modules = Files.write(java.resolve("modules"), new byte[] {1, 2, 3});
        try (FileInputStream open = new FileInputStream(modules.toFile())) {
            String descriptor = descriptorOf(modules);
            Main.CommandException refused = assertThrows(Main.CommandException.class,
                    () -> Main.refuseJavasOwnFiles("quantize", descriptor, List.of(dir.resolve("jdk"))));
            assertEquals("quantize would write over " + modules.toRealPath() + ", a file of the Java that runs Teallama ("
                    + descriptor + " leads there: was the stream it names closed?); give the output another name",
                    refused.getMessage());
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(modules));
    }

    @Test
    void aFileOfJavasByItsNameOrALinkIsRefused(@TempDir Path dir) throws IOException {
        Path jar = Files.write(dir.resolve("teallama.jar"), new byte[] {4});
        Path link = Files.createSymbolicLink(dir.resolve("out.bin"), jar);
        Main.CommandException byName = assertThrows(Main.CommandException.class,
                () -> Main.refuseJavasOwnFiles("--probs", jar.toRealPath().toString(), List.of(jar)));
        assertEquals("--probs would write over " + jar.toRealPath() + ", a file of the Java that runs Teallama; "
                + "give the output another name", byName.getMessage());
        Main.CommandException byLink = assertThrows(Main.CommandException.class,
                () -> Main.refuseJavasOwnFiles("--probs", link.toString(), List.of(jar)));
        assertTrue(byLink.getMessage().contains("(" + link + " leads there"), byLink.getMessage());
    }

    @Test
    void otherOutputsAreLeftAlone(@TempDir Path dir) throws IOException {
        Path java = Files.createDirectories(dir.resolve("jdk"));
        Path beside = Files.write(dir.resolve("jdk-notes.txt"), new byte[] {5}); // a sibling whose name starts alike
        for (String output : new String[] {beside.toString(), dir.resolve("new.bin").toString(), "/dev/null"}) {
            assertDoesNotThrow(() -> Main.refuseJavasOwnFiles("quantize", output, List.of(java, dir.resolve("gone.jar"))),
                    output);
        }
    }

    @Test
    void javasOwnFilesAreItsHomeAndClassPath() {
        List<Path> own = Main.javasOwnFiles();
        assertEquals(Path.of(System.getProperty("java.home")), own.get(0));
        assertTrue(own.size() > 1, "the class path too: " + own);
    }

    /** /proc/self/fd/N of the descriptor this process has open on file. */
    private static String descriptorOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter((fd) -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException e) {
                    return false;
                }
            }).findFirst().orElseThrow().toString();
        }
    }
}

package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFile}: whole new content or the old one, and no temporary file left behind. */
class AtomicFileTest {

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void createsParentsAndReplaces(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("x/y/loop.properties");
    AtomicFile.writeString(f, "first");
    AtomicFile.write(f, "second, longer".getBytes(StandardCharsets.UTF_8));
    assertEquals("second, longer", Files.readString(f));
    assertEquals(List.of("loop.properties"), names(f.getParent()));
  }

  @Test
  void aFailingBodyLeavesTheTargetAsItWasAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("summary.json");
    AtomicFile.writeString(f, "old");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFile.write(
                    f,
                    out -> {
                      out.write("half of the new".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("disk full");
                    }));
    assertEquals("disk full", e.getMessage());
    assertEquals("old", Files.readString(f));
    assertEquals(List.of("summary.json"), names(dir));
    RuntimeException r =
        assertThrows(
            IllegalStateException.class,
            () ->
                AtomicFile.write(
                    f,
                    out -> {
                      throw new IllegalStateException("bug");
                    }));
    assertEquals("bug", r.getMessage());
    assertEquals(List.of("summary.json"), names(dir));
  }

  /**
   * A new file gets the permissions of any file this process creates in that folder (the umask's;
   * not the owner-only {@code rw-------} of a temporary file), and a replaced file keeps its own.
   */
  @Test
  void aNewFileGetsTheDefaultPermissionsAndAReplacedOneKeepsItsOwn(@TempDir Path dir)
      throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Path plain = dir.resolve("plain");
    Files.newOutputStream(plain).close();
    Path f = dir.resolve("report.html");
    AtomicFile.writeString(f, "first");
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
    Set<PosixFilePermission> shared = PosixFilePermissions.fromString("rw-rw----");
    Files.setPosixFilePermissions(f, shared);
    AtomicFile.writeString(f, "second");
    assertEquals("second", Files.readString(f));
    assertEquals(shared, Files.getPosixFilePermissions(f));
  }
}

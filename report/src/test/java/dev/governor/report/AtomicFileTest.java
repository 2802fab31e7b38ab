package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}

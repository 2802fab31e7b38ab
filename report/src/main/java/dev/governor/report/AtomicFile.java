package dev.governor.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file so that a reader sees either the old content or the whole new content, never a
 * part: the bytes go to a temporary file in the target's directory (so both are on one file
 * system), which is then moved over the target with {@link StandardCopyOption#ATOMIC_MOVE}. Where
 * the file system cannot move atomically the move falls back to a plain replacing move. When
 * anything fails the temporary file is deleted and the target is left as it was.
 *
 * <p>This protects readers and a crashed writer process from torn files; it does not call {@code
 * fsync}, so after a power loss the file system decides what survives.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** What writes the new content. */
  @FunctionalInterface
  public interface Body {
    /**
     * Writes the whole content to {@code out}; a stream wrapped around {@code out} must be flushed
     * before returning ({@link AtomicFile} closes {@code out} itself).
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /** Replaces {@code file} with {@code bytes}, creating missing parent directories. */
  public static void write(Path file, byte[] bytes) throws IOException {
    write(file, out -> out.write(bytes));
  }

  /** Replaces {@code file} with {@code text} in UTF-8, creating missing parent directories. */
  public static void writeString(Path file, String text) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code file} with what {@code body} writes, creating missing parent directories.
   *
   * @throws IOException when the directory cannot be created, the body fails or the move fails; the
   *     target is then unchanged and no temporary file is left
   */
  public static void write(Path file, Body body) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        body.writeTo(out);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}

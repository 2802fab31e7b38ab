package dev.governor.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a file so that a reader sees either the old content or the whole new content, never a
 * part: the bytes go to a temporary file in the target's directory (so both are on one file
 * system), which is then moved over the target with {@link StandardCopyOption#ATOMIC_MOVE}. Where
 * the file system cannot move atomically the move falls back to a plain replacing move. When
 * anything fails the temporary file is deleted and the target is left as it was.
 *
 * <p>A new file gets the permissions any file the process creates gets (the umask's, e.g. {@code
 * rw-r--r--}); a replaced file keeps its permissions.
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
    Path tmp = null;
    try {
      OutputStream created;
      while (true) {
        Path name = dir.resolve("." + target.getFileName() + "." + TEMP.incrementAndGet() + ".tmp");
        try {
          created =
              Files.newOutputStream(name, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          tmp = name;
          break;
        } catch (FileAlreadyExistsException taken) {
          // another process wrote the same target at the same moment: take the next name
        }
      }
      try (OutputStream out = created) {
        body.writeTo(out);
      }
      keepPermissions(target, tmp);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * The numbers of temporary names {@code .<target>.<n>.tmp}: from the process id times
   * 2<sup>20</sup> up, so processes rarely meet; a name taken anyway is skipped ({@code
   * CREATE_NEW}).
   */
  private static final AtomicLong TEMP = new AtomicLong(ProcessHandle.current().pid() << 20);

  /**
   * Gives the new content the permissions of the file it replaces (POSIX file systems); a new file
   * keeps those it was created with, the process's default (the umask's).
   */
  private static void keepPermissions(Path target, Path tmp) throws IOException {
    if (!Files.exists(target)) {
      return;
    }
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(target);
      Files.setPosixFilePermissions(tmp, p);
    } catch (UnsupportedOperationException notPosix) {
      // no POSIX permissions to keep
    }
  }
}

package dev.governor.telemetry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import net.openhft.chronicle.wire.Wires;

/**
 * Checks a queue folder's files before Chronicle opens them: each file starts with the store header
 * of its type, and a queue a writer appended to still has its cycle files. Chronicle itself would
 * wait, time out or read an empty run from such a folder; these checks name the file at once.
 */
final class QueueFileCheck {
  private QueueFileCheck() {}

  /**
   * Refuses a queue with a table store but no cycle file when a writer has appended to it (its lock
   * file exists) and is gone: its cycle files were deleted. (A writer that took the lock and died
   * before its first record would be reported too; it wrote nothing.)
   */
  static void checkCycleFilesPresent(Path dir, String what) {
    if (!Files.exists(dir.resolve(WriterLock.FILE)) || !hasQueueFiles(dir)) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"))) {
        return;
      }
    } catch (IOException e) {
      return;
    }
    if (!WriterLock.live(dir)) {
      throw new TelemetryException(
          what
              + " queue "
              + dir
              + " is damaged: it has no cycle file (*.cq4), but a writer appended to it ("
              + WriterLock.FILE
              + " exists): its cycle files were deleted");
    }
  }

  static boolean hasQueueFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4t"));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Checks that each file of the queue starts like a Chronicle Queue file: a complete metadata
   * header whose first field is {@code header} of type {@code SCQStore} (cycle files, {@code .cq4})
   * or {@code STStore} (the table store, {@code .cq4t}). Chronicle itself would wait, time out and
   * read nothing from a foreign file; this names it at once.
   *
   * @throws TelemetryException naming the first file that is not one
   */
  static void checkFiles(Path dir, String what) {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().matches(".*\\.cq4t?")).sorted().toList();
    } catch (IOException e) {
      throw new TelemetryException("cannot list the " + what + " queue " + dir + ": " + e, e);
    }
    // Only a live writer creates queue files, and a cycle file only while holding the writer lock
    // (the table store before taking it, so only once a lock file exists): without one, a file
    // that looks half-created (zeros) is damaged.
    boolean writerLive = !files.isEmpty() && WriterLock.live(dir);
    boolean lockFile = Files.exists(dir.resolve(WriterLock.FILE));
    for (Path f : files) {
      boolean table = f.getFileName().toString().endsWith(".cq4t");
      String type = table ? "STStore" : "SCQStore";
      if (!writerLive && (!table || lockFile) && !looksLikeQueueFile(f, type, what, false)) {
        throw new TelemetryException(
            what
                + " queue file "
                + f
                + " is damaged: "
                + describeDamage(f)
                + " (no "
                + type
                + " header, and no writer is creating it)");
      }
      // A file another thread or process is creating can look inconsistent for a moment (header
      // length written before the file grew, a partly written header): look again a few times,
      // briefly, before calling it damaged. A really damaged file costs ~0.2 s more to report.
      boolean ok = false;
      for (int attempt = 0; attempt < CHECK_ATTEMPTS && !ok; attempt++) {
        if (attempt > 0) {
          pause();
        }
        ok = looksLikeQueueFile(f, type, what, true);
      }
      if (!ok) {
        throw new TelemetryException(
            what
                + " queue file "
                + f
                + " is damaged or not a Chronicle Queue file (no "
                + type
                + " header)");
      }
    }
  }

  private static final int CHECK_ATTEMPTS = 20;

  /** What a file without a valid header holds: nothing, zeros, or other bytes. */
  private static String describeDamage(Path f) {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size == 0) {
        return "it is empty (0 bytes)";
      }
      ByteBuffer b = ByteBuffer.allocate(4096);
      int n = Math.max(0, ch.read(b, 0));
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return "its first bytes are not a queue header";
        }
      }
      return "its first " + n + " bytes are zero";
    } catch (IOException e) {
      return "it cannot be read (" + e.getMessage() + ")";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether {@code f} starts with a complete (or in-creation) store header of {@code type}. */
  private static boolean looksLikeQueueFile(
      Path f, String type, String what, boolean maybeInCreation) {
    byte[] head = new byte[64];
    int n;
    long size;
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      size = ch.size();
      n = Math.max(0, ch.read(ByteBuffer.wrap(head), 0));
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + what + " queue file " + f + ": " + e, e);
    }
    int h = n < 4 ? 0 : ByteBuffer.wrap(head, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (h == 0 || (h & Wires.NOT_COMPLETE) != 0) {
      // Another process may be creating this file right now: Chronicle reserves the header,
      // then writes "header: !SCQStore {...}". Only that beginning (or zeros) is accepted.
      return maybeInCreation && beingCreated(head, n);
    }
    return n >= 32
        && (h & Wires.META_DATA) != 0
        && 4L + (h & Wires.LENGTH_MASK) <= size
        && new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1).contains(type);
  }

  /** Chronicle's binary-wire field name {@code header}, the first bytes of every store header. */
  private static final byte[] HEADER_FIELD = {(byte) 0xB9, 6, 'h', 'e', 'a', 'd', 'e', 'r'};

  /**
   * Whether the bytes after an incomplete (or zero) first header are what a file in creation holds:
   * zeros, or a prefix of Chronicle's {@code header} field followed by zeros.
   */
  private static boolean beingCreated(byte[] head, int n) {
    int i = 4;
    while (i < n && i - 4 < HEADER_FIELD.length && head[i] == HEADER_FIELD[i - 4]) {
      i++;
    }
    if (i - 4 == HEADER_FIELD.length) {
      return true; // the store header is being written
    }
    for (; i < n; i++) {
      if (head[i] != 0) {
        return false;
      }
    }
    return true;
  }
}

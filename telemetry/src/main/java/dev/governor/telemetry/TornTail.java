package dev.governor.telemetry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import net.openhft.chronicle.wire.Wires;

/**
 * Torn-record detection: finds a record a killed writer began and never completed at the end of a
 * queue's newest cycle file, for {@link LogScan#tornTail()}. A tailer never returns such a record
 * (Chronicle skips it); this walker is how a scan learns it is there.
 *
 * <p>Each Chronicle record starts with a 4-byte little-endian header ({@link Wires}): the length in
 * the low 30 bits, {@link Wires#META_DATA} for metadata, {@link Wires#NOT_COMPLETE} while the
 * writer still holds it. A header of 0 is unwritten space (the clean end), unless bytes follow it:
 * Chronicle reserves a header as 0 and fills it in when the record completes.
 */
final class TornTail {
  private TornTail() {}

  /**
   * Walks the record headers of {@code file} from byte {@code from} (a header boundary) and reports
   * the first header that was never completed. Complete metadata headers are skipped; a zero header
   * is the clean end; an end-of-data marker is a cycle that was rolled cleanly.
   */
  static Optional<String> find(Path file, long from) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      long pos = (from + 3) & ~3L;
      long size = ch.size();
      while (pos + 4 <= size) {
        buf.clear();
        if (ch.read(buf, pos) < 4) {
          return Optional.empty();
        }
        int h = buf.getInt(0);
        if (h == Wires.END_OF_DATA) {
          return Optional.empty();
        }
        if (h == 0) {
          // Chronicle reserves a record's header as 0 and fills it in when the record completes: a
          // zero header followed by written bytes is a record that was begun and never finished.
          return nonZeroAfter(ch, pos + 4)
              ? Optional.of(
                  file
                      + " at byte "
                      + pos
                      + ": an incomplete record (the writer stopped mid-record or is still writing"
                      + " it; it is not returned)")
              : Optional.empty();
        }
        if ((h & Wires.NOT_COMPLETE) != 0) {
          return Optional.of(
              file
                  + " at byte "
                  + pos
                  + ": an incomplete record (the writer stopped mid-record; it is not returned)");
        }
        if ((h & Wires.META_DATA) == 0 && from > 0) {
          // a complete data record after the last one read: the writer is still going
          return Optional.empty();
        }
        pos = (pos + 4 + (h & Wires.LENGTH_MASK) + 3) & ~3L;
      }
      return Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean nonZeroAfter(FileChannel ch, long pos) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64);
    int n = ch.read(b, pos);
    for (int i = 0; i < n; i++) {
      if (b.get(i) != 0) {
        return true;
      }
    }
    return false;
  }
}

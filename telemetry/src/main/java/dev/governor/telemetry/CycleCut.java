package dev.governor.telemetry;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.Wires;

/**
 * A cycle file cut short below its records: the end of its newest record (the store's write
 * position plus that record's length) lies past the file's end. Reading through the mapping past
 * the end would fault, and the JVM reports such a fault late, after the bytes past the cut were
 * read as zeros; so a reader stops at the first record that runs past the cut, with one error
 * ({@link #checkCut}), after every record before it. A writer never appends after a cut.
 */
final class CycleCut {
  private final String what;
  private final File file;
  private final long size;
  private final long end;

  private CycleCut(String what, File file, long size, long end) {
    this.what = what;
    this.file = file;
    this.size = size;
    this.end = end;
  }

  /**
   * Finds the first cycle file of {@code queue} cut short below its records.
   *
   * @param what "telemetry" or "decision", for messages
   * @return the cut, or null when every cycle file holds its records whole
   * @throws TelemetryException naming the file when the queue is open for writing
   */
  static CycleCut find(SingleChronicleQueue queue, String what, boolean readOnly) {
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE) {
      return null;
    }
    for (Long c : queue.listCyclesBetween(first, last)) {
      SingleChronicleQueueStore store =
          queue.storeForCycle(c.intValue(), queue.epoch(), false, null);
      if (store == null) {
        continue;
      }
      File f;
      long wp;
      try {
        f = store.file();
        wp = store.writePosition();
      } finally {
        queue.closeStore(store);
      }
      if (f == null || wp <= 0) {
        continue;
      }
      long size = f.length();
      long end = wp + 4;
      if (size >= end) {
        end += headerLength(f, wp, what);
      }
      if (size < end) {
        if (!readOnly) {
          throw new TelemetryException(
              what
                  + " queue file "
                  + f
                  + " is truncated: it is "
                  + size
                  + " bytes, but its records run to byte "
                  + end
                  + "; nothing is appended after a cut");
        }
        return new CycleCut(what, f, size, end);
      }
    }
    return null;
  }

  private static boolean sameFile(File a, File b) {
    return a.toPath().toAbsolutePath().normalize().equals(b.toPath().toAbsolutePath().normalize());
  }

  /**
   * Throws, since a reader found no further record although a cycle file was cut short below its
   * records: what is missing is reported, never read as the end of the run.
   */
  void checkEnd() {
    throw new TelemetryException(
        what
            + " queue file "
            + file
            + " is truncated at byte "
            + size
            + ": its records run to byte "
            + end
            + " (the records before the cut read back)");
  }

  private static int headerLength(File f, long pos, String what) {
    try (FileChannel ch = FileChannel.open(f.toPath(), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      return ch.read(b, pos) == 4 ? b.getInt(0) & Wires.LENGTH_MASK : 0;
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + what + " queue file " + f + ": " + e, e);
    }
  }

  /**
   * Throws when the record whose header is at byte {@code pos} of {@code f} runs past this cut.
   *
   * @param after the index of the record before it (-1 for none), for the message
   */
  void checkCut(File f, long pos, long after) {
    if (f == null || pos >= end || pos + 4 + (2L << 20) < size) {
      return;
    }
    if (!sameFile(file, f)) {
      return;
    }
    long recordEnd = pos + 4 <= size ? pos + 4 + headerLength(f, pos, what) : pos + 4;
    if (recordEnd > size) {
      throw new TelemetryException(
          what
              + " queue file "
              + f
              + " is truncated at byte "
              + size
              + ": "
              + (after < 0 ? "its first record" : "record " + ChronicleLog.seqText(after + 1))
              + " runs past the cut to byte "
              + recordEnd
              + " (the records before it read back)");
    }
  }
}

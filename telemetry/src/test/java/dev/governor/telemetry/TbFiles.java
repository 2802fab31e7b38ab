package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.Event;

/**
 * TFRecord files of {@code tensorflow.Event}s built and read with TensorFlow's own protocol-buffer
 * classes (org.tensorflow.proto, from tensorflow-core-api), framed with the bitwise CRC32C of
 * {@link TfEventsTest} — no code of the classes under test.
 */
final class TbFiles {
  private TbFiles() {}

  /** One TFRecord: length, masked CRC of the length, data, masked CRC of the data (LE). */
  static byte[] frame(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(TfEventsTest.mask(TfEventsTest.crc32c(b.array(), 0, 8)));
    b.put(data);
    b.putInt(TfEventsTest.mask(TfEventsTest.crc32c(data, 0, data.length)));
    return b.array();
  }

  /** Writes events as a TFRecord file. */
  static Path write(Path file, List<Event> events) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Event e : events) {
      out.write(frame(e.toByteArray()));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, out.toByteArray());
    return file;
  }

  /** Reads a TFRecord file of events, checking both CRCs of every record. */
  static List<Event> read(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new ArrayList<>();
    while (b.hasRemaining()) {
      int at = b.position();
      long len = b.getLong();
      assertEquals(TfEventsTest.mask(TfEventsTest.crc32c(all, at, 8)), b.getInt(), "length crc");
      byte[] data = new byte[(int) len];
      b.get(data);
      assertEquals(
          TfEventsTest.mask(TfEventsTest.crc32c(data, 0, data.length)), b.getInt(), "data crc");
      events.add(Event.parseFrom(data));
    }
    return events;
  }

  /** Offsets of each record of a file (where record i starts). */
  static List<Long> offsets(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    List<Long> r = new ArrayList<>();
    while (b.hasRemaining()) {
      r.add((long) b.position());
      long len = b.getLong();
      b.position(b.position() + 4 + (int) len + 4);
    }
    return r;
  }
}

package dev.governor.telemetry;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Streams the events of one TensorBoard event file: TFRecord framing with both masked CRC32C
 * checked, then a {@code tensorflow.Event} decoded field by field (no protobuf dependency). One
 * record is held in memory at a time.
 *
 * <p>Framing: {@code uint64 length, uint32 masked_crc32c(length bytes), data, uint32
 * masked_crc32c(data)}, little endian. A file that ends inside a record (a writer killed while
 * writing) has a <em>torn tail</em>: {@link #next} returns false and {@link #tornTail()} says
 * where; TensorBoard likewise reads up to the last complete record. A length whose CRC does not
 * match cannot be skipped over (the next record's start is unknown) and fails the read; a data CRC
 * mismatch is a {@link BadRecord} the caller may skip.
 *
 * <p>Decoded: {@code Event.wall_time (1), step (2), file_version (3), summary (5),
 * session_log.status (7)}; every {@code Summary.Value} with its tag, and a scalar where it holds
 * one: {@code simple_value}, or a one-element numeric {@code tensor} (float, double, half,
 * bfloat16, int8..int64, uint8, bool; from {@code tensor_content} or the typed value fields) with
 * the plugin name of its {@code metadata}. Other fields (graphs, run metadata, log messages,
 * images, histograms, audio) are skipped. The wire cursor is {@link ProtoCursor}, the tensor
 * decoding {@link TensorScalar}.
 */
final class TfEventReader implements AutoCloseable {

  /** A record that is damaged or not an event; the rest of the file can still be read. */
  static final class BadRecord extends Exception {
    private static final long serialVersionUID = 1L;

    BadRecord(String message) {
      super(message, null, false, false);
    }
  }

  /** {@code SessionLog.START}. */
  static final int SESSION_START = 1;

  /** Receives what one event holds, in the order of its fields. */
  interface Handler {
    /** A value of the event's summary; {@code kind} tells how it holds its data. */
    void value(String tag, ValueKind kind, double scalar, String plugin);
  }

  /** How a summary value holds its data. */
  enum ValueKind {
    /** {@code simple_value}: a float32 scalar (the legacy scalar encoding). */
    SIMPLE,
    /** A one-element numeric tensor (a scalar when its tag's plugin is {@code scalars}). */
    TENSOR_SCALAR,
    /** A tensor that is not one numeric element (text, histogram, image data, ...). */
    TENSOR_OTHER,
    /** A legacy image, histogram or audio value, or a value with no data. */
    OTHER
  }

  private static final int MAX_RECORD = 1 << 28;

  private final Path file;
  private final InputStream in;
  private final CRC32C crc = new CRC32C();
  private final byte[] head = new byte[12];
  private byte[] data = new byte[1 << 12];
  private int length;
  private long offset;
  private long recordOffset = -1;
  private String tornTail;

  // the current event
  double wallTime;
  long step;
  String fileVersion;
  int sessionStatus;
  boolean hasSummary;

  TfEventReader(Path file) {
    this.file = file;
    try {
      this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new TelemetryException("input file not found: " + file);
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The file read. */
  Path file() {
    return file;
  }

  /** Byte offset of the record last returned by {@link #next}. */
  long recordOffset() {
    return recordOffset;
  }

  /** Where and how the file ends inside a record, or null when it ends cleanly (so far). */
  String tornTail() {
    return tornTail;
  }

  /**
   * Reads the next record's frame and checks both CRCs; the event is not decoded yet.
   *
   * @return false at the end of the file (a clean end or a torn tail)
   * @throws BadRecord when the data CRC does not match (the record is consumed)
   * @throws TelemetryException naming the file and offset when the length's CRC does not match, or
   *     the file cannot be read
   */
  boolean next() throws BadRecord {
    recordOffset = offset;
    try {
      int n = readFully(head, 0, 12);
      if (n == 0) {
        return false;
      }
      if (n < 12) {
        tornTail =
            "offset " + offset + ": torn tail (a 12-byte record header expected, " + n + " found)";
        return false;
      }
      long len = 0;
      for (int i = 7; i >= 0; i--) {
        len = (len << 8) | (head[i] & 0xffL);
      }
      int lenCrc = ProtoCursor.intAt(head, 8);
      if (lenCrc != masked(head, 0, 8)) {
        throw new TelemetryException(
            file
                + " offset "
                + offset
                + ": not a TFRecord (the length's masked CRC32C is "
                + hex(masked(head, 0, 8))
                + ", but the record says "
                + hex(lenCrc)
                + "); is this a TensorBoard event file?");
      }
      if (len > MAX_RECORD) {
        throw new TelemetryException(
            file
                + " offset "
                + offset
                + ": record length "
                + len
                + " exceeds "
                + MAX_RECORD
                + " bytes (expected a tensorflow.Event)");
      }
      length = (int) len;
      if (data.length < length + 4) {
        data = new byte[Math.max(length + 4, data.length * 2)];
      }
      int got = readFully(data, 0, length + 4);
      if (got < length + 4) {
        tornTail =
            "offset "
                + offset
                + ": torn tail ("
                + (length + 4)
                + " bytes of data and CRC expected, "
                + got
                + " found)";
        return false;
      }
      offset += 12 + length + 4;
      int dataCrc = ProtoCursor.intAt(data, length);
      if (dataCrc != masked(data, 0, length)) {
        throw new BadRecord(
            "offset "
                + recordOffset
                + ": data CRC mismatch (masked CRC32C "
                + hex(masked(data, 0, length))
                + " expected, "
                + hex(dataCrc)
                + " found)");
      }
      return true;
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes the record last read as a {@code tensorflow.Event}: sets {@link #wallTime}, {@link
   * #step}, {@link #fileVersion}, {@link #sessionStatus} and {@link #hasSummary}, and hands each
   * summary value to {@code h}.
   *
   * @throws BadRecord when the record is not a well-formed Event, or a value claims a numeric
   *     tensor but its data do not fit its type and shape
   */
  void decode(Handler h) throws BadRecord {
    wallTime = 0;
    step = 0;
    fileVersion = null;
    sessionStatus = 0;
    hasSummary = false;
    ProtoCursor p = new ProtoCursor(data, 0, length);
    try {
      while (p.more()) {
        int key = p.tag();
        switch (key) {
          case (1 << 3) | 1 -> wallTime = Double.longBitsToDouble(p.fixed64());
          case (2 << 3) -> step = p.varint();
          case (3 << 3) | 2 -> {
            int n = p.len();
            fileVersion = new String(data, p.pos, n, StandardCharsets.UTF_8);
            p.pos += n;
          }
          case (5 << 3) | 2 -> {
            hasSummary = true;
            int end = p.len() + p.pos;
            summary(p, end, h);
          }
          case (7 << 3) | 2 -> {
            int end = p.len() + p.pos;
            while (p.pos < end) {
              int k = p.tag();
              if (k == (1 << 3)) {
                sessionStatus = (int) p.varint();
              } else {
                p.skip(k);
              }
            }
            p.expect(end);
          }
          default -> p.skip(key);
        }
      }
    } catch (ProtoCursor.Malformed e) {
      throw new BadRecord(
          "offset " + recordOffset + ": not a tensorflow.Event (" + e.getMessage() + ")");
    }
  }

  private void summary(ProtoCursor p, int end, Handler h) throws ProtoCursor.Malformed, BadRecord {
    while (p.pos < end) {
      int k = p.tag();
      if (k != ((1 << 3) | 2)) {
        p.skip(k);
        continue;
      }
      int vend = p.len() + p.pos;
      String tag = "";
      ValueKind kind = ValueKind.OTHER;
      double scalar = Double.NaN;
      String plugin = null;
      int tensorAt = -1;
      int tensorEnd = -1;
      while (p.pos < vend) {
        int f = p.tag();
        switch (f) {
          case (1 << 3) | 2 -> {
            int n = p.len();
            tag = tag(p.pos, n);
            p.pos += n;
          }
          case (2 << 3) | 5 -> {
            kind = ValueKind.SIMPLE;
            scalar = Float.intBitsToFloat(p.fixed32());
          }
          case (8 << 3) | 2 -> {
            int n = p.len();
            tensorAt = p.pos;
            tensorEnd = p.pos + n;
            p.pos += n;
          }
          case (9 << 3) | 2 -> {
            int mend = p.len() + p.pos;
            plugin = metadataPlugin(p, mend);
          }
          default -> p.skip(f);
        }
      }
      p.expect(vend);
      if (kind != ValueKind.SIMPLE && tensorAt >= 0) {
        double[] out = new double[1];
        if (TensorScalar.decode(
            new ProtoCursor(data, tensorAt, tensorEnd), out, tag, recordOffset)) {
          kind = ValueKind.TENSOR_SCALAR;
          scalar = out[0];
        } else {
          kind = ValueKind.TENSOR_OTHER;
        }
      }
      h.value(tag, kind, scalar, plugin);
    }
    p.expect(end);
  }

  private final byte[][] tagBytes = new byte[64][];
  private final String[] tagStrings = new String[64];

  /** The tag in {@code data[at, at + n)}, from a small cache (a file has few distinct tags). */
  private String tag(int at, int n) {
    int h = n;
    for (int i = at; i < at + n; i++) {
      h = 31 * h + data[i];
    }
    int slot = h & 63;
    byte[] b = tagBytes[slot];
    if (b != null && java.util.Arrays.equals(b, 0, b.length, data, at, at + n)) {
      return tagStrings[slot];
    }
    String s = new String(data, at, n, StandardCharsets.UTF_8);
    tagBytes[slot] = java.util.Arrays.copyOfRange(data, at, at + n);
    tagStrings[slot] = s;
    return s;
  }

  /** SummaryMetadata.plugin_data (1).plugin_name (1), or "" when there is none. */
  private String metadataPlugin(ProtoCursor p, int end) throws ProtoCursor.Malformed {
    String name = "";
    while (p.pos < end) {
      int k = p.tag();
      if (k == ((1 << 3) | 2)) {
        int pend = p.len() + p.pos;
        while (p.pos < pend) {
          int q = p.tag();
          if (q == ((1 << 3) | 2)) {
            int n = p.len();
            name = new String(data, p.pos, n, StandardCharsets.UTF_8);
            p.pos += n;
          } else {
            p.skip(q);
          }
        }
        p.expect(pend);
      } else {
        p.skip(k);
      }
    }
    p.expect(end);
    return name;
  }

  private int readFully(byte[] b, int off, int len) throws IOException {
    int n = 0;
    while (n < len) {
      int r = in.read(b, off + n, len - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  private int masked(byte[] b, int off, int len) {
    crc.reset();
    crc.update(b, off, len);
    return TfRecord.mask((int) crc.getValue());
  }

  private static String hex(int v) {
    return String.format("0x%08x", v);
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // nothing was written; a failed close of a read stream loses nothing
    }
  }
}

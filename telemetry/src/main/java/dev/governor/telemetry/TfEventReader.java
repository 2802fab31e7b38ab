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
 * images, histograms, audio) are skipped.
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
      int lenCrc = intAt(head, 8);
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
      int dataCrc = intAt(data, length);
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
    Pb p = new Pb(data, 0, length);
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
    } catch (Pb.Malformed e) {
      throw new BadRecord(
          "offset " + recordOffset + ": not a tensorflow.Event (" + e.getMessage() + ")");
    }
  }

  private void summary(Pb p, int end, Handler h) throws Pb.Malformed, BadRecord {
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
        if (tensor(new Pb(data, tensorAt, tensorEnd), out, tag)) {
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
  private String metadataPlugin(Pb p, int end) throws Pb.Malformed {
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

  // tensorflow.DataType
  private static final int DT_FLOAT = 1;
  private static final int DT_DOUBLE = 2;
  private static final int DT_INT32 = 3;
  private static final int DT_UINT8 = 4;
  private static final int DT_INT16 = 5;
  private static final int DT_INT8 = 6;
  private static final int DT_STRING = 7;
  private static final int DT_INT64 = 9;
  private static final int DT_BOOL = 10;
  private static final int DT_BFLOAT16 = 14;
  private static final int DT_HALF = 19;

  /**
   * Decodes a TensorProto holding one numeric element into {@code out[0]}.
   *
   * @return false when the tensor is not a one-element numeric tensor (a string, or several
   *     elements)
   * @throws BadRecord when the tensor is numeric with one element but its data are missing or do
   *     not fit its type
   */
  private boolean tensor(Pb p, double[] out, String tag) throws Pb.Malformed, BadRecord {
    int dtype = 0;
    long elements = 1;
    int contentAt = -1;
    int contentLen = 0;
    int typedCount = 0;
    double typed = Double.NaN;
    while (p.more()) {
      int k = p.tag();
      int field = k >>> 3;
      int wire = k & 7;
      switch (field) {
        case 1 -> dtype = (int) p.varint();
        case 2 -> {
          int end = p.len() + p.pos;
          while (p.pos < end) {
            int d = p.tag();
            if (d == ((2 << 3) | 2)) {
              int dend = p.len() + p.pos;
              long size = 1;
              while (p.pos < dend) {
                int q = p.tag();
                if (q == (1 << 3)) {
                  size = p.varint();
                } else {
                  p.skip(q);
                }
              }
              p.expect(dend);
              elements *= size;
            } else {
              p.skip(d);
            }
          }
          p.expect(end);
        }
        case 4 -> {
          contentLen = p.len();
          contentAt = p.pos;
          p.pos += contentLen;
        }
        case 5, 6, 7, 10, 11, 13 -> {
          // float_val, double_val, int_val, int64_val, bool_val, half_val: packed or not
          int end = wire == 2 ? p.len() + p.pos : -1;
          do {
            double v =
                switch (field) {
                  case 5 -> Float.intBitsToFloat(p.fixed32());
                  case 6 -> Double.longBitsToDouble(p.fixed64());
                  case 13 -> halfOrBfloat(dtype, (int) p.varint());
                  case 7 -> (int) p.varint();
                  default -> p.varint();
                };
            typed = v;
            typedCount++;
          } while (end >= 0 && p.pos < end);
          if (end >= 0) {
            p.expect(end);
          }
        }
        default -> p.skip(k);
      }
    }
    if (dtype == DT_STRING || elements != 1) {
      return false;
    }
    int width =
        switch (dtype) {
          case DT_FLOAT, DT_INT32 -> 4;
          case DT_DOUBLE, DT_INT64 -> 8;
          case DT_HALF, DT_BFLOAT16, DT_INT16 -> 2;
          case DT_UINT8, DT_INT8, DT_BOOL -> 1;
          default -> -1;
        };
    if (width < 0) {
      return false;
    }
    if (contentAt >= 0) {
      if (contentLen != width) {
        throw new BadRecord(
            "offset "
                + recordOffset
                + ": tag '"
                + tag
                + "' is a one-element tensor of dtype "
                + dtype
                + ", so "
                + width
                + " bytes of tensor_content were expected, but "
                + contentLen
                + " were found");
      }
      long bits = 0;
      for (int i = width - 1; i >= 0; i--) {
        bits = (bits << 8) | (data[contentAt + i] & 0xffL);
      }
      out[0] =
          switch (dtype) {
            case DT_FLOAT -> Float.intBitsToFloat((int) bits);
            case DT_DOUBLE -> Double.longBitsToDouble(bits);
            case DT_HALF, DT_BFLOAT16 -> halfOrBfloat(dtype, (int) bits);
            case DT_INT32 -> (int) bits;
            case DT_INT16 -> (short) bits;
            case DT_INT8 -> (byte) bits;
            default -> bits; // int64, uint8, bool
          };
      return true;
    }
    if (typedCount != 1) {
      throw new BadRecord(
          "offset "
              + recordOffset
              + ": tag '"
              + tag
              + "' is a one-element tensor of dtype "
              + dtype
              + ", so one value (tensor_content or a typed value field) was expected, but "
              + typedCount
              + " were found");
    }
    out[0] = typed;
    return true;
  }

  /** An IEEE half (DT_HALF) or a bfloat16 from its 16 bits. */
  static double halfOrBfloat(int dtype, int bits) {
    if (dtype == DT_BFLOAT16) {
      return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
    int sign = (bits >>> 15) & 1;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    double v;
    if (exp == 0x1f) {
      v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (exp == 0) {
      v = Math.scalb((double) mant, -24); // subnormal: mant * 2^-24
    } else {
      v = Math.scalb((double) (mant | 0x400), exp - 25); // (1024 + mant) * 2^(exp - 25)
    }
    return sign == 1 ? -v : v;
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

  private static int intAt(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }

  private int masked(byte[] b, int off, int len) {
    crc.reset();
    crc.update(b, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
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

  /** A cursor over protobuf wire format. */
  static final class Pb {
    /** Malformed wire data. */
    static final class Malformed extends Exception {
      private static final long serialVersionUID = 1L;

      Malformed(String m) {
        super(m, null, false, false);
      }
    }

    final byte[] b;
    int pos;
    final int end;

    Pb(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int tag() throws Malformed {
      long t = varint();
      if (t <= 0 || t > Integer.MAX_VALUE || (t >>> 3) == 0) {
        throw new Malformed("bad field key " + t + " at byte " + pos);
      }
      return (int) t;
    }

    long varint() throws Malformed {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new Malformed("truncated varint at byte " + pos);
        }
        int x = b[pos++];
        v |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new Malformed("varint longer than 10 bytes at byte " + pos);
    }

    long fixed64() throws Malformed {
      need(8);
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = (v << 8) | (b[pos + i] & 0xffL);
      }
      pos += 8;
      return v;
    }

    int fixed32() throws Malformed {
      need(4);
      int v = intAt(b, pos);
      pos += 4;
      return v;
    }

    int len() throws Malformed {
      long n = varint();
      if (n < 0 || n > end - pos) {
        throw new Malformed("length " + n + " at byte " + pos + " runs past its message");
      }
      return (int) n;
    }

    void expect(int at) throws Malformed {
      if (pos != at) {
        throw new Malformed("a nested message ends at byte " + pos + ", not at " + at);
      }
    }

    void skip(int key) throws Malformed {
      switch (key & 7) {
        case 0 -> varint();
        case 1 -> {
          need(8);
          pos += 8;
        }
        case 2 -> {
          int n = len(); // before the addition: it moves pos past the length
          pos += n;
        }
        case 5 -> {
          need(4);
          pos += 4;
        }
        default -> throw new Malformed("unsupported wire type " + (key & 7) + " at byte " + pos);
      }
    }

    private void need(int n) throws Malformed {
      if (end - pos < n) {
        throw new Malformed("truncated field at byte " + pos);
      }
    }
  }
}

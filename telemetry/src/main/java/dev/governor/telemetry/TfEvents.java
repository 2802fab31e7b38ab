package dev.governor.telemetry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes TensorBoard event files: TFRecord framing around hand-encoded {@code tensorflow.Event}
 * protocol buffers, with no TensorFlow or protobuf dependency.
 *
 * <p>TFRecord: {@code uint64 length, uint32 masked_crc32c(length), data, uint32
 * masked_crc32c(data)}, little endian; {@code masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8}
 * (TensorFlow {@code crc32c.h}). Event: {@code double wall_time = 1; int64 step = 2; string
 * file_version = 3; Summary summary = 5}; Summary: {@code repeated Value value = 1}; Value: {@code
 * string tag = 1; float simple_value = 2}. The first event carries {@code file_version =
 * "brain.Event:2"} (so TensorBoard purges earlier values only on a {@code SessionLog.START}, which
 * is never written); then one event per step, each value a {@code simple_value} (float32; the CSV
 * and JSONL exports are the lossless ones). Every event's {@code wall_time} is the one given (the
 * run's recorded start). Not thread-safe.
 */
final class TfEvents implements AutoCloseable {
  private final OutputStream out;
  private final double wallTime;
  private final ByteArrayOutputStream values = new ByteArrayOutputStream();
  private int valueCount;

  /** Starts a file: writes the {@code brain.Event:2} version event. */
  TfEvents(OutputStream out, double wallTime) throws IOException {
    this.out = out;
    this.wallTime = wallTime;
    ByteArrayOutputStream ev = new ByteArrayOutputStream();
    header(ev, 0);
    bytesField(ev, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8));
    record(out, ev.toByteArray());
  }

  /**
   * Adds one scalar to the current step's summary. NaN (not measured) is left out; an infinity is
   * written as the float infinity (a diverged step is data).
   */
  void scalar(String tag, double value) {
    if (Double.isNaN(value)) {
      return;
    }
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    bytesField(v, 1, tag.getBytes(StandardCharsets.UTF_8));
    v.write((2 << 3) | 5);
    int bits = Float.floatToIntBits((float) value);
    for (int i = 0; i < 4; i++) {
      v.write(bits >>> (8 * i));
    }
    bytesField(values, 1, v.toByteArray());
    valueCount++;
  }

  /** Writes the scalars added since the last call as one event at {@code step}. */
  void endStep(long step) throws IOException {
    if (valueCount == 0) {
      return;
    }
    ByteArrayOutputStream ev = new ByteArrayOutputStream();
    header(ev, step);
    bytesField(ev, 5, values.toByteArray());
    record(out, ev.toByteArray());
    values.reset();
    valueCount = 0;
  }

  private void header(ByteArrayOutputStream ev, long step) {
    ev.write((1 << 3) | 1);
    long bits = Double.doubleToLongBits(wallTime);
    for (int i = 0; i < 8; i++) {
      ev.write((int) (bits >>> (8 * i)));
    }
    ev.write(2 << 3);
    varint(ev, step);
  }

  private static void bytesField(ByteArrayOutputStream b, int field, byte[] data) {
    b.write((field << 3) | 2);
    varint(b, data.length);
    b.write(data, 0, data.length);
  }

  private static void varint(ByteArrayOutputStream b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.write((int) v);
  }

  /** TensorFlow's masked CRC32C. */
  static int maskedCrc(byte[] data, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(data, off, len);
    int crc = (int) c.getValue();
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  /** Writes one TFRecord. */
  static void record(OutputStream out, byte[] data) throws IOException {
    byte[] len = new byte[8];
    long n = data.length;
    for (int i = 0; i < 8; i++) {
      len[i] = (byte) (n >>> (8 * i));
    }
    out.write(len);
    writeInt(out, maskedCrc(len, 0, 8));
    out.write(data);
    writeInt(out, maskedCrc(data, 0, data.length));
  }

  private static void writeInt(OutputStream out, int v) throws IOException {
    for (int i = 0; i < 4; i++) {
      out.write(v >>> (8 * i));
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}

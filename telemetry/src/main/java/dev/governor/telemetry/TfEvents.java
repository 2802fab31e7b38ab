package dev.governor.telemetry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

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
    TfRecord.bytesField(ev, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8));
    TfRecord.write(out, ev.toByteArray());
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
    TfRecord.bytesField(v, 1, tag.getBytes(StandardCharsets.UTF_8));
    v.write((2 << 3) | 5);
    TfRecord.fixed32(v, Float.floatToIntBits((float) value));
    TfRecord.bytesField(values, 1, v.toByteArray());
    valueCount++;
  }

  /** Writes the scalars added since the last call as one event at {@code step}. */
  void endStep(long step) throws IOException {
    if (valueCount == 0) {
      return;
    }
    ByteArrayOutputStream ev = new ByteArrayOutputStream();
    header(ev, step);
    TfRecord.bytesField(ev, 5, values.toByteArray());
    TfRecord.write(out, ev.toByteArray());
    values.reset();
    valueCount = 0;
  }

  private void header(ByteArrayOutputStream ev, long step) {
    ev.write((1 << 3) | 1);
    TfRecord.fixed64(ev, Double.doubleToLongBits(wallTime));
    ev.write(2 << 3);
    TfRecord.varint(ev, step);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}

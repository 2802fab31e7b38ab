package dev.governor.cluster;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.RecordCodec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Function;

/**
 * Binary codec of the records the cluster protocol carries: observations and decisions as the
 * records of the telemetry and decision queues ({@link RecordCodec}: every field as its exact bits,
 * so NaN and infinities cross the network unchanged and a decision re-made on another node compares
 * bit for bit; a checksum over each), and length-prefixed byte arrays.
 */
final class Wire {
  private Wire() {}

  /** Writes {@code o} as its telemetry record ({@link RecordCodec}), length first. */
  static void writeObservation(DataOutput out, Observation o) throws IOException {
    writeBytes(out, RecordCodec.encode(o));
  }

  static Observation readObservation(DataInput in) throws IOException {
    return readRecord(in, "observation", RecordCodec::decodeObservation);
  }

  /** Writes {@code d} as its decision-log record ({@link RecordCodec}), length first. */
  static void writeDecision(DataOutput out, Decision d) throws IOException {
    writeBytes(out, RecordCodec.encode(d));
  }

  static Decision readDecision(DataInput in) throws IOException {
    return readRecord(in, "decision", RecordCodec::decodeDecision);
  }

  /**
   * Reads a length-first record and decodes it; a missing record or one {@code decode} rejects is
   * an {@link IOException} naming {@code what}.
   */
  private static <T> T readRecord(DataInput in, String what, Function<byte[], T> decode)
      throws IOException {
    byte[] record = readBytes(in);
    if (record == null) {
      throw new IOException(what + " record must be present, but was null");
    }
    try {
      return decode.apply(record);
    } catch (IllegalArgumentException e) {
      throw new IOException(what + ": " + e.getMessage(), e);
    }
  }

  static void writeBytes(DataOutput out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInput in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > (1 << 26)) {
      throw new IOException("byte array length must be in [0, 2^26], but was " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}

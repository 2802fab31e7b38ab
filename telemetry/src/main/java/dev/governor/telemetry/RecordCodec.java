package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Observations and decisions as the byte records of the telemetry and decision queues ({@link
 * Records}: every double as its raw bits, so NaN payloads and infinities survive; a checksum over
 * the record), for carrying them elsewhere, e.g. between the nodes of a cluster. A record read back
 * equals the one written bit for bit. Thread-safe (each thread encodes with its own buffer).
 */
public final class RecordCodec {
  private RecordCodec() {}

  private static final ThreadLocal<RecordWriter> WRITER =
      ThreadLocal.withInitial(RecordWriter::new);

  /** The record of {@code o}. */
  public static byte[] encode(Observation o) {
    return WRITER.get().observation(o).toByteArray();
  }

  /** The record of {@code d} (every field, the internals too). */
  public static byte[] encode(Decision d) {
    return WRITER.get().decision(d).toByteArray();
  }

  /**
   * The observation of a record {@link #encode(Observation)} wrote.
   *
   * @throws IllegalArgumentException saying what is wrong when the bytes are not an intact
   *     observation record
   */
  public static Observation decodeObservation(byte[] record) {
    RecordReader r = start(record, Records.KIND_OBSERVATION);
    try {
      return r.observation();
    } catch (IllegalStateException e) {
      throw damaged(e);
    }
  }

  /**
   * The decision of a record {@link #encode(Decision)} wrote.
   *
   * @throws IllegalArgumentException saying what is wrong when the bytes are not an intact decision
   *     record
   */
  public static Decision decodeDecision(byte[] record) {
    RecordReader r = start(record, Records.KIND_DECISION);
    Decision d = new Decision();
    try {
      r.decision(d);
    } catch (IllegalStateException e) {
      throw damaged(e);
    }
    return d;
  }

  private static RecordReader start(byte[] record, int kind) {
    RecordReader r = new RecordReader();
    try {
      int k = r.start(Bytes.wrapForRead(record));
      if (k != kind) {
        throw new IllegalStateException(
            "is of kind "
                + Records.kindName(k)
                + ", where "
                + Records.kindName(kind)
                + " was expected");
      }
    } catch (IllegalStateException e) {
      throw damaged(e);
    }
    return r;
  }

  private static IllegalArgumentException damaged(IllegalStateException e) {
    return new IllegalArgumentException("the record " + e.getMessage(), e);
  }
}

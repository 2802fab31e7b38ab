package dev.governor.telemetry;

import static dev.governor.telemetry.Records.*;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.util.Arrays;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Reads and checks records: {@link #start} copies one record out of the queue and checks its tag,
 * version and (schema 2) checksum; the kind's method decodes and validates the rest. Every problem
 * is an {@link IllegalStateException} whose message the log turns into a {@link TelemetryException}
 * naming the file and the index. Not thread-safe.
 */
final class RecordReader {
  private byte[] buf = new byte[512];
  private int len;
  private int p;
  private int version;
  private long h;
  int kind;
  long step;

  /** Copies the record out of {@code bytes}, reads the tag and the step; returns the kind. */
  int start(Bytes<?> bytes) {
    long remaining = bytes.readRemaining();
    if (remaining < 4 + 8 + 8) {
      throw new IllegalStateException(
          "is too short for a Governor record (" + remaining + " bytes)");
    }
    int tag = bytes.readInt(bytes.readPosition());
    if ((tag & MAGIC_MASK) != MAGIC) {
      throw new IllegalStateException(
          "is not a Governor record (tag 0x" + Integer.toHexString(tag) + ")");
    }
    version = tag & 0xFF;
    if (version < 1 || version > VERSION) {
      throw new IllegalStateException(
          "has schema version "
              + version
              + ", but this reader understands versions 1 to "
              + VERSION
              + (version > VERSION ? " (written by a newer Governor)" : ""));
    }
    if (remaining > MAX_RECORD_BYTES) {
      throw new IllegalStateException(
          "is too long for a Governor record (" + remaining + " bytes)");
    }
    len = (int) remaining;
    if (buf.length < len) {
      buf = new byte[Math.max(len, 2 * buf.length)];
    }
    bytes.read(buf, 0, len);
    h = SEED;
    if (version == 1) {
      p = 4;
      mix1(tag);
    } else {
      int length = (int) INTS.get(buf, 4);
      if (length != len || (len & 7) != 0 || len < 32) {
        throw new IllegalStateException(
            "has a bad length (" + len + " bytes, but its header says " + length + ")");
      }
      if ((long) LONGS.get(buf, len - 8) != checksum(buf, len - 8)) {
        throw new IllegalStateException("is corrupt (checksum mismatch)");
      }
      p = 8;
    }
    kind = (tag >>> 8) & 0xFF;
    step = getLong();
    if (step < 0) {
      throw new IllegalStateException("has a negative step " + step);
    }
    return kind;
  }

  private void need(long n) {
    if (len - 8 - p < n) {
      throw new IllegalStateException(
          "is truncated: a " + kindName(kind) + " record needs more than its length");
    }
  }

  private void mix1(long v) {
    if (version == 1) {
      h = mix(h, v);
    }
  }

  private int getInt() {
    need(4);
    int v = (int) INTS.get(buf, p);
    p += 4;
    mix1(v);
    return v;
  }

  private long getLong() {
    need(8);
    long v = (long) LONGS.get(buf, p);
    p += 8;
    mix1(v);
    return v;
  }

  private double getDouble() {
    return Double.longBitsToDouble(getLong());
  }

  private void finish() {
    if (p != len - 8) {
      throw new IllegalStateException(
          "has a bad length (" + (len - p) + " bytes where the 8-byte checksum belongs)");
    }
    if (version == 1 && (long) LONGS.get(buf, p) != h) {
      throw new IllegalStateException("is corrupt (checksum mismatch)");
    }
  }

  private int layers() {
    int n = getInt();
    if (n < 0 || n > MAX_LAYERS) {
      throw new IllegalStateException("has a bad layer count " + n);
    }
    return n;
  }

  private double[] doubles(int n) {
    need(8L * n);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = getDouble();
    }
    return a;
  }

  Observation observation() {
    int epoch = getInt();
    int batchSize = getInt();
    int n = 0;
    int mask = 0;
    if (version >= 2) {
      n = layers();
      mask = getInt();
    }
    double loss = getDouble();
    double gradNorm = getDouble();
    double paramNorm = getDouble();
    double updateNorm = getDouble();
    double alignment = getDouble();
    double sharpness = getDouble();
    double valLoss = getDouble();
    double lr = getDouble();
    double clip = getDouble();
    double wd = getDouble();
    if (version == 1) {
      n = layers();
      mask = getInt();
    }
    // schema 2: n > 0 exactly when some array is present; schema 1: no mask bits without layers
    boolean badMask = version >= 2 ? (n == 0) != (mask == 0) : n == 0 && mask != 0;
    if ((mask & ~7) != 0 || badMask) {
      throw new IllegalStateException("has a bad layer mask " + mask);
    }
    double[] g = (mask & 1) != 0 ? doubles(n) : null;
    double[] pa = (mask & 2) != 0 ? doubles(n) : null;
    double[] u = (mask & 4) != 0 ? doubles(n) : null;
    finish();
    if (version == 1 && n > 0 && mask == 0) {
      g = new double[n];
      Arrays.fill(g, Double.NaN);
    }
    try {
      return new Observation(
          step,
          epoch,
          loss,
          gradNorm,
          paramNorm,
          updateNorm,
          alignment,
          sharpness,
          valLoss,
          batchSize,
          lr,
          clip,
          wd,
          g,
          pa,
          u);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("is invalid: " + e.getMessage());
    }
  }

  void decision(Decision d) {
    d.reset();
    d.step = step;
    d.lr = getDouble();
    d.clip = getDouble();
    d.weightDecay = getDouble();
    int action = getInt();
    int n = layers();
    need(8L * n);
    d.setLayerCount(n);
    for (int i = 0; i < n; i++) {
      d.layerLrMultipliers[i] = getDouble();
    }
    d.lrMeasurement = getDouble();
    d.lrError = getDouble();
    d.lrIntegral = getDouble();
    d.clipMeasurement = getDouble();
    d.clipError = getDouble();
    d.clipIntegral = getDouble();
    d.wdMeasurement = getDouble();
    d.wdError = getDouble();
    d.wdIntegral = getDouble();
    d.lossZ = getDouble();
    d.gradZ = getDouble();
    d.faults = getLong();
    finish();
    try {
      d.action = GuardAction.ofCode(action);
      String bad = Decisions.invalid(d);
      if (bad != null) {
        throw new IllegalStateException("is invalid: " + bad);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("is invalid: " + e.getMessage());
    }
  }

  Event event() {
    int code = getInt();
    if (version >= 2 && getInt() != 0) {
      throw new IllegalStateException("has a bad event padding");
    }
    double detail = getDouble();
    finish();
    try {
      return new Event(EventKind.ofCode(code), step, detail);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("is invalid: " + e.getMessage());
    }
  }
}

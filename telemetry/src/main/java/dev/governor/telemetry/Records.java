package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import net.openhft.chronicle.bytes.Bytes;

/**
 * The binary record format of the telemetry and decision queues (schema version 1), written field
 * by field straight into Chronicle Bytes: no self-describing maps, no per-record garbage.
 *
 * <p>Every record is {@code int tag, long step, payload…, long checksum}, little endian. {@code tag
 * = 0x4756_KK_VV} ("GV", record kind KK, schema version VV) identifies a Governor record, so a
 * foreign queue is recognised at its first record. Doubles are stored as raw IEEE bits (NaN
 * payloads survive). The checksum mixes every field written before it; a reader recomputes it, so a
 * flipped bit in a record is reported rather than returned.
 *
 * <pre>
 * OBSERVATION  int epoch, int batchSize, 10 doubles (loss, gradNorm, paramNorm, updateNorm,
 *              alignment, sharpness, valLoss, lr, clip, weightDecay), int layers,
 *              int mask (bit 0 grad, 1 param, 2 update norms present), layers doubles per set bit
 * DECISION     3 doubles (lr, clip, weightDecay), int action, int layers, layers doubles
 *              (multipliers), 11 doubles (lr/clip/wd measurement, error, integral; lossZ, gradZ),
 *              long faults
 * EVENT        int kind, double detail
 * </pre>
 */
final class Records {
  static final int MAGIC = 0x4756_0000;
  static final int MAGIC_MASK = 0xFFFF_0000;
  static final int VERSION = 1;
  static final int KIND_OBSERVATION = 1;
  static final int KIND_DECISION = 2;
  static final int KIND_EVENT = 3;

  /** More layers than this in one record is taken as damage, not data. */
  static final int MAX_LAYERS = 1 << 16;

  private static final long MIX = 0x9E37_79B9_7F4A_7C15L;

  private Records() {}

  static int tag(int kind) {
    return MAGIC | (kind << 8) | VERSION;
  }

  static String kindName(int kind) {
    return switch (kind) {
      case KIND_OBSERVATION -> "observation";
      case KIND_DECISION -> "decision";
      case KIND_EVENT -> "event";
      default -> "kind " + kind;
    };
  }

  /** Writes fields and mixes them into a running checksum. One per appender; not thread-safe. */
  static final class Writer {
    private Bytes<?> b;
    private long h;

    Writer start(Bytes<?> bytes, int kind, long step) {
      b = bytes;
      h = 0x243F_6A88_85A3_08D3L;
      putInt(tag(kind));
      putLong(step);
      return this;
    }

    void putInt(int v) {
      b.writeInt(v);
      mix(v);
    }

    void putLong(long v) {
      b.writeLong(v);
      mix(v);
    }

    void putDouble(double v) {
      putLong(Double.doubleToRawLongBits(v));
    }

    private void mix(long v) {
      h = Long.rotateLeft((h ^ v) * MIX, 29);
    }

    void finish() {
      b.writeLong(h);
      b = null;
    }

    void observation(Observation o) {
      putInt(o.epoch());
      putInt(o.batchSize());
      putDouble(o.loss());
      putDouble(o.gradNorm());
      putDouble(o.paramNorm());
      putDouble(o.updateNorm());
      putDouble(o.alignment());
      putDouble(o.sharpness());
      putDouble(o.valLoss());
      putDouble(o.lr());
      putDouble(o.clip());
      putDouble(o.weightDecay());
      int n = o.layerCount();
      putInt(n);
      // The array accessors copy; the indexed getters do not, and read NaN for an empty array. So
      // an array is written when any layer holds something other than the canonical NaN; one that
      // is all canonical NaN (unmeasured) reads back as empty, which the getters cannot tell apart.
      int mask = 0;
      if (n > 0) {
        mask |= allNaN(o, 0) ? 0 : 1;
        mask |= allNaN(o, 1) ? 0 : 2;
        mask |= allNaN(o, 2) ? 0 : 4;
      }
      putInt(mask);
      if ((mask & 1) != 0) {
        for (int i = 0; i < n; i++) {
          putDouble(o.layerGradNorm(i));
        }
      }
      if ((mask & 2) != 0) {
        for (int i = 0; i < n; i++) {
          putDouble(o.layerParamNorm(i));
        }
      }
      if ((mask & 4) != 0) {
        for (int i = 0; i < n; i++) {
          putDouble(o.layerUpdateNorm(i));
        }
      }
    }

    private static boolean allNaN(Observation o, int which) {
      for (int i = 0; i < o.layerCount(); i++) {
        double v =
            switch (which) {
              case 0 -> o.layerGradNorm(i);
              case 1 -> o.layerParamNorm(i);
              default -> o.layerUpdateNorm(i);
            };
        if (Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(Double.NaN)) {
          return false;
        }
      }
      return true;
    }

    void decision(Decision d) {
      putDouble(d.lr);
      putDouble(d.clip);
      putDouble(d.weightDecay);
      putInt(d.action.code());
      putInt(d.layerCount);
      for (int i = 0; i < d.layerCount; i++) {
        putDouble(d.layerLrMultipliers[i]);
      }
      putDouble(d.lrMeasurement);
      putDouble(d.lrError);
      putDouble(d.lrIntegral);
      putDouble(d.clipMeasurement);
      putDouble(d.clipError);
      putDouble(d.clipIntegral);
      putDouble(d.wdMeasurement);
      putDouble(d.wdError);
      putDouble(d.wdIntegral);
      putDouble(d.lossZ);
      putDouble(d.gradZ);
      putLong(d.faults);
    }

    void event(EventKind kind, double detail) {
      putInt(kind.code());
      putDouble(detail);
    }
  }

  /**
   * Reads and checks fields; every problem is an {@link IllegalStateException} whose message the
   * log turns into a {@link TelemetryException} naming the file and the index. Not thread-safe.
   */
  static final class Reader {
    private Bytes<?> b;
    private long h;
    int kind;
    long step;

    /** Reads the tag and the step; returns the record kind. */
    int start(Bytes<?> bytes) {
      b = bytes;
      h = 0x243F_6A88_85A3_08D3L;
      if (b.readRemaining() < 4 + 8 + 8) {
        throw new IllegalStateException(
            "is too short for a Governor record (" + b.readRemaining() + " bytes)");
      }
      int tag = getInt();
      if ((tag & MAGIC_MASK) != MAGIC) {
        throw new IllegalStateException(
            "is not a Governor record (tag 0x" + Integer.toHexString(tag) + ")");
      }
      int version = tag & 0xFF;
      if (version != VERSION) {
        throw new IllegalStateException(
            "has schema version "
                + version
                + ", but this reader understands version "
                + VERSION
                + (version > VERSION ? " (written by a newer Governor)" : ""));
      }
      kind = (tag >>> 8) & 0xFF;
      step = getLong();
      if (step < 0) {
        throw new IllegalStateException("has a negative step " + step);
      }
      return kind;
    }

    private void need(long n) {
      if (b.readRemaining() < n) {
        throw new IllegalStateException(
            "is truncated: a " + kindName(kind) + " record needs more than its length");
      }
    }

    int getInt() {
      need(4);
      int v = b.readInt();
      mix(v);
      return v;
    }

    long getLong() {
      need(8);
      long v = b.readLong();
      mix(v);
      return v;
    }

    double getDouble() {
      return Double.longBitsToDouble(getLong());
    }

    private void mix(long v) {
      h = Long.rotateLeft((h ^ v) * MIX, 29);
    }

    void finish() {
      long expected = h;
      if (b.readRemaining() != 8) {
        throw new IllegalStateException(
            "has a bad length (" + b.readRemaining() + " bytes where the 8-byte checksum belongs)");
      }
      long stored = b.readLong();
      if (stored != expected) {
        throw new IllegalStateException("is corrupt (checksum mismatch)");
      }
      b = null;
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
      int n = layers();
      int mask = getInt();
      if ((mask & ~7) != 0 || (n == 0 && mask != 0)) {
        throw new IllegalStateException("has a bad layer mask " + mask);
      }
      double[] g = (mask & 1) != 0 ? doubles(n) : null;
      double[] p = (mask & 2) != 0 ? doubles(n) : null;
      double[] u = (mask & 4) != 0 ? doubles(n) : null;
      finish();
      if (n > 0 && mask == 0) {
        g = nanArray(n);
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
            p,
            u);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("is invalid: " + e.getMessage());
      }
    }

    private static double[] nanArray(int n) {
      double[] a = new double[n];
      java.util.Arrays.fill(a, Double.NaN);
      return a;
    }

    void decision(Decision d) {
      d.reset();
      d.step = step;
      d.lr = getDouble();
      d.clip = getDouble();
      d.weightDecay = getDouble();
      int action = getInt();
      int n = layers();
      d.setLayerCount(n);
      need(8L * n);
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
      double detail = getDouble();
      finish();
      try {
        return new Event(EventKind.ofCode(code), step, detail);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("is invalid: " + e.getMessage());
      }
    }
  }
}

package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.UnsafeMemory;

/**
 * The binary record format of the telemetry and decision queues: no self-describing maps, no
 * per-record garbage. A record is encoded into a reused off-heap buffer and handed to Chronicle in
 * one memory copy; a reader copies it out in one copy, checks its checksum, and decodes from its
 * buffer.
 *
 * <p>Schema 2 (current) lays every field on an 8-byte boundary of the record, so that the encoder
 * writes whole 64-bit words and the checksum reads back exactly the words just written (a 64-bit
 * load that straddles two earlier stores defeats store-to-load forwarding and stalls). Little
 * endian; ints are paired into one word, low half first; doubles are raw IEEE bits (NaN payloads
 * survive):
 *
 * <pre>
 * all          int tag, int length (bytes of the whole record), long step, payload…, long checksum
 * OBSERVATION  int epoch, int batchSize; int layers, int present (bit 0 grad, 1 param, 2 update:
 *              that per-layer array has {@code layers} entries, even if every entry is NaN);
 *              10 doubles (loss, gradNorm, paramNorm, updateNorm, alignment, sharpness, valLoss,
 *              lr, clip, weightDecay); layers doubles per set bit
 * DECISION     3 doubles (lr, clip, weightDecay); int action, int layers; layers doubles
 *              (multipliers); 11 doubles (lr/clip/wd measurement, error, integral; lossZ, gradZ);
 *              long faults
 * EVENT        int kind, int 0; double detail
 * checksum     over every word before it, dealt round-robin to four lanes h = rotl((h ^ w) * K, 29)
 *              (independent chains, so the multiplies overlap), combined with the record length; a
 *              change confined to one word is always detected
 * </pre>
 *
 * <p>{@code tag = 0x4756_KK_VV} ("GV", record kind KK, schema version VV) identifies a Governor
 * record, so a foreign queue is recognised at its first record. Writers write schema {@value
 * #VERSION}; readers also read schema 1: {@code int tag, long step} (no length), then for an
 * observation {@code int epoch, int batchSize}, the ten doubles, {@code int layers, int mask} whose
 * bits meant "not every entry is the canonical NaN" (so an all-NaN array read back as empty, or as
 * NaN when no array was set), the arrays; decisions and events as above without the pairing; and a
 * checksum that is one running mix of every field in order.
 */
final class Records {
  static final int MAGIC = 0x4756_0000;
  static final int MAGIC_MASK = 0xFFFF_0000;

  /** The schema version writers write. */
  static final int VERSION = 2;

  static final int KIND_OBSERVATION = 1;
  static final int KIND_DECISION = 2;
  static final int KIND_EVENT = 3;

  /** More layers than this in one record is taken as damage, not data. */
  static final int MAX_LAYERS = 1 << 16;

  /** Longer than the largest valid record (an observation with 3 × MAX_LAYERS doubles). */
  private static final int MAX_RECORD_BYTES = 2 << 20;

  private static final long MIX = 0x9E37_79B9_7F4A_7C15L;
  private static final long SEED = 0x243F_6A88_85A3_08D3L;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private Records() {}

  static int tag(int kind) {
    return tag(kind, VERSION);
  }

  static int tag(int kind, int version) {
    return MAGIC | (kind << 8) | version;
  }

  /** Where the step of a record with this tag starts (schema 1 has no length field). */
  static int stepOffset(int tag) {
    return (tag & 0xFF) == 1 ? 4 : 8;
  }

  static String kindName(int kind) {
    return switch (kind) {
      case KIND_OBSERVATION -> "observation";
      case KIND_DECISION -> "decision";
      case KIND_EVENT -> "event";
      default -> "kind " + kind;
    };
  }

  private static long mix(long h, long v) {
    return Long.rotateLeft((h ^ v) * MIX, 29);
  }

  /** The schema-2 checksum of {@code a[0, len)}. */
  static long checksum(byte[] a, int len) {
    long h0 = SEED;
    long h1 = SEED + 1;
    long h2 = SEED + 2;
    long h3 = SEED + 3;
    int i = 0;
    for (; i + 32 <= len; i += 32) {
      h0 = mix(h0, (long) LONGS.get(a, i));
      h1 = mix(h1, (long) LONGS.get(a, i + 8));
      h2 = mix(h2, (long) LONGS.get(a, i + 16));
      h3 = mix(h3, (long) LONGS.get(a, i + 24));
    }
    int lane = 0;
    for (; i < len; i += 8, lane++) {
      long w;
      if (i + 8 <= len) {
        w = (long) LONGS.get(a, i);
      } else {
        w = 0;
        for (int k = len - 1; k >= i; k--) {
          w = (w << 8) | (a[k] & 0xFF);
        }
      }
      switch (lane) {
        case 0 -> h0 = mix(h0, w);
        case 1 -> h1 = mix(h1, w);
        case 2 -> h2 = mix(h2, w);
        default -> h3 = mix(h3, w);
      }
    }
    return mix(mix(mix(mix(mix(SEED, len), h0), h1), h2), h3);
  }

  /** {@link #checksum(byte[], int)} of the {@code len} bytes at native {@code address}. */
  static long checksum(long address, int len) {
    UnsafeMemory m = UnsafeMemory.MEMORY;
    long h0 = SEED;
    long h1 = SEED + 1;
    long h2 = SEED + 2;
    long h3 = SEED + 3;
    int i = 0;
    for (; i + 32 <= len; i += 32) {
      h0 = mix(h0, m.readLong(address + i));
      h1 = mix(h1, m.readLong(address + i + 8));
      h2 = mix(h2, m.readLong(address + i + 16));
      h3 = mix(h3, m.readLong(address + i + 24));
    }
    int lane = 0;
    for (; i < len; i += 8, lane++) {
      long w;
      if (i + 8 <= len) {
        w = m.readLong(address + i);
      } else {
        w = 0;
        for (int k = len - 1; k >= i; k--) {
          w = (w << 8) | (m.readByte(address + k) & 0xFF);
        }
      }
      switch (lane) {
        case 0 -> h0 = mix(h0, w);
        case 1 -> h1 = mix(h1, w);
        case 2 -> h2 = mix(h2, w);
        default -> h3 = mix(h3, w);
      }
    }
    return mix(mix(mix(mix(mix(SEED, len), h0), h1), h2), h3);
  }

  /**
   * Zero-copy access to an observation's per-layer arrays (its record components), so the writer
   * can tell an empty array from an all-NaN one and copy the values without the public accessors'
   * array copies. Falls back to those accessors (correct, but allocating) where the JVM denies the
   * access, e.g. when the classes are loaded as named modules.
   */
  private static final class ObservationArrays {
    private static final VarHandle GRAD;
    private static final VarHandle PARAM;
    private static final VarHandle UPDATE;

    static {
      VarHandle g = null;
      VarHandle p = null;
      VarHandle u = null;
      try {
        MethodHandles.Lookup l =
            MethodHandles.privateLookupIn(Observation.class, MethodHandles.lookup());
        g = l.findVarHandle(Observation.class, "layerGradNorms", double[].class);
        p = l.findVarHandle(Observation.class, "layerParamNorms", double[].class);
        u = l.findVarHandle(Observation.class, "layerUpdateNorms", double[].class);
      } catch (ReflectiveOperationException | RuntimeException e) {
        g = null;
      }
      GRAD = g;
      PARAM = p;
      UPDATE = u;
    }

    static double[] grad(Observation o) {
      return GRAD != null ? (double[]) GRAD.get(o) : o.layerGradNorms();
    }

    static double[] param(Observation o) {
      return GRAD != null ? (double[]) PARAM.get(o) : o.layerParamNorms();
    }

    static double[] update(Observation o) {
      return GRAD != null ? (double[]) UPDATE.get(o) : o.layerUpdateNorms();
    }
  }

  /**
   * Encodes records into a reused off-heap buffer with unchecked raw-memory stores (every record's
   * length is known before it is written, and the buffer is grown to it first) and returns it as
   * Chronicle {@link Bytes} for one {@code writeBytes}: a native source is copied into the queue's
   * mapped file with one memory copy, where an on-heap one would be copied word by word through
   * bounds-checked writes. One per appender; used by one thread at a time; {@link #close} frees the
   * buffer. The returned bytes are valid until the next call.
   */
  static final class Writer implements AutoCloseable {
    private static final UnsafeMemory MEMORY = UnsafeMemory.MEMORY;

    static {
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new ExceptionInInitializerError("Governor records need a little-endian platform");
      }
    }

    private Bytes<Void> buf;
    private long address;
    private long capacity;
    private int p;

    Writer() {
      allocate(512);
    }

    /**
     * Like the appender that owns it, the buffer may be used by different threads over time (an
     * actor moves between dispatcher threads), so Chronicle's same-thread check is off.
     */
    private void allocate(long bytes) {
      buf = Bytes.allocateDirect(bytes);
      buf.singleThreadedCheckDisabled(true);
      address = buf.addressForWrite(0);
      capacity = bytes;
    }

    private void begin(int kind, long step, int length) {
      if (buf == null) {
        throw new IllegalStateException("record writer is closed");
      }
      if (capacity < length) {
        buf.releaseLast();
        allocate(Math.max(length, 2 * capacity));
      }
      p = 0;
      putInts(tag(kind), length);
      putLong(step);
    }

    private void putInts(int low, int high) {
      putLong((low & 0xFFFF_FFFFL) | ((long) high << 32));
    }

    private void putLong(long v) {
      MEMORY.writeLong(address + p, v);
      p += 8;
    }

    private void putDouble(double v) {
      putLong(Double.doubleToRawLongBits(v));
    }

    private void putDoubles(double[] a, int n) {
      long at = address + p;
      for (int i = 0; i < n; i++) {
        MEMORY.writeLong(at + 8L * i, Double.doubleToRawLongBits(a[i]));
      }
      p += 8 * n;
    }

    private Bytes<Void> finish() {
      putLong(checksum(address, p));
      buf.readPositionRemaining(0, p);
      return buf;
    }

    @Override
    public void close() {
      if (buf != null) {
        buf.releaseLast();
        buf = null;
      }
    }

    Bytes<Void> observation(Observation o) {
      double[] g = ObservationArrays.grad(o);
      double[] pa = ObservationArrays.param(o);
      double[] u = ObservationArrays.update(o);
      int n = Math.max(g.length, Math.max(pa.length, u.length));
      int present = (g.length != 0 ? 1 : 0) | (pa.length != 0 ? 2 : 0) | (u.length != 0 ? 4 : 0);
      int arrays = g.length + pa.length + u.length;
      begin(KIND_OBSERVATION, o.step(), 16 + 16 + 80 + 8 * arrays + 8);
      putInts(o.epoch(), o.batchSize());
      putInts(n, present);
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
      putDoubles(g, g.length);
      putDoubles(pa, pa.length);
      putDoubles(u, u.length);
      return finish();
    }

    Bytes<Void> decision(Decision d) {
      int n = d.layerCount;
      begin(KIND_DECISION, d.step, 16 + 24 + 8 + 8 * n + 88 + 8 + 8);
      putDouble(d.lr);
      putDouble(d.clip);
      putDouble(d.weightDecay);
      putInts(d.action.code(), n);
      putDoubles(d.layerLrMultipliers, n);
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
      return finish();
    }

    Bytes<Void> event(EventKind kind, long step, double detail) {
      begin(KIND_EVENT, step, 16 + 16 + 8);
      putInts(kind.code(), 0);
      putDouble(detail);
      return finish();
    }
  }

  /**
   * Reads and checks records: {@link #start} copies one record out of the queue and checks its tag,
   * version and (schema 2) checksum; the kind's method decodes and validates the rest. Every
   * problem is an {@link IllegalStateException} whose message the log turns into a {@link
   * TelemetryException} naming the file and the index. Not thread-safe.
   */
  static final class Reader {
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
}

package dev.governor.telemetry;

import static dev.governor.telemetry.Records.*;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.UnsafeMemory;

/**
 * Encodes records into a reused off-heap buffer with unchecked raw-memory stores (every record's
 * length is known before it is written, and the buffer is grown to it first) and returns it as
 * Chronicle {@link Bytes} for one {@code writeBytes}: a native source is copied into the queue's
 * mapped file with one memory copy, where an on-heap one would be copied word by word through
 * bounds-checked writes. One per appender; used by one thread at a time; {@link #close} frees the
 * buffer. The returned bytes are valid until the next call.
 */
final class RecordWriter implements AutoCloseable {
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

  RecordWriter() {
    allocate(512);
  }

  /**
   * Like the appender that owns it, the buffer may be used by different threads over time (an actor
   * moves between dispatcher threads), so Chronicle's same-thread check is off.
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
}

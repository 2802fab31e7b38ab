package dev.governor.cluster;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Binary codec of the records the cluster protocol carries: observations and decisions, every field
 * written as its exact bits (doubles as IEEE 754 64-bit values, so NaN and infinities cross the
 * network unchanged and a decision re-made on another node compares bit for bit).
 */
final class Wire {
  private Wire() {}

  static void writeObservation(DataOutput out, Observation o) throws IOException {
    out.writeLong(o.step());
    out.writeInt(o.epoch());
    writeDouble(out, o.loss());
    writeDouble(out, o.gradNorm());
    writeDouble(out, o.paramNorm());
    writeDouble(out, o.updateNorm());
    writeDouble(out, o.alignment());
    writeDouble(out, o.sharpness());
    writeDouble(out, o.valLoss());
    out.writeInt(o.batchSize());
    writeDouble(out, o.lr());
    writeDouble(out, o.clip());
    writeDouble(out, o.weightDecay());
    writeDoubles(out, o.layerGradNorms());
    writeDoubles(out, o.layerParamNorms());
    writeDoubles(out, o.layerUpdateNorms());
  }

  static Observation readObservation(DataInput in) throws IOException {
    long step = in.readLong();
    int epoch = in.readInt();
    double loss = readDouble(in);
    double gradNorm = readDouble(in);
    double paramNorm = readDouble(in);
    double updateNorm = readDouble(in);
    double alignment = readDouble(in);
    double sharpness = readDouble(in);
    double valLoss = readDouble(in);
    int batch = in.readInt();
    double lr = readDouble(in);
    double clip = readDouble(in);
    double wd = readDouble(in);
    double[] g = readDoubles(in);
    double[] p = readDoubles(in);
    double[] u = readDoubles(in);
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
        batch,
        lr,
        clip,
        wd,
        g,
        p,
        u);
  }

  static void writeDecision(DataOutput out, Decision d) throws IOException {
    out.writeLong(d.step);
    writeDouble(out, d.lr);
    writeDouble(out, d.clip);
    writeDouble(out, d.weightDecay);
    out.writeByte(d.action.ordinal());
    out.writeInt(d.layerCount);
    for (int i = 0; i < d.layerCount; i++) {
      writeDouble(out, d.layerLrMultipliers[i]);
    }
    writeDouble(out, d.lrMeasurement);
    writeDouble(out, d.lrError);
    writeDouble(out, d.lrIntegral);
    writeDouble(out, d.clipMeasurement);
    writeDouble(out, d.clipError);
    writeDouble(out, d.clipIntegral);
    writeDouble(out, d.wdMeasurement);
    writeDouble(out, d.wdError);
    writeDouble(out, d.wdIntegral);
    out.writeLong(d.faults);
    writeDouble(out, d.lossZ);
    writeDouble(out, d.gradZ);
  }

  static Decision readDecision(DataInput in) throws IOException {
    Decision d = new Decision();
    d.step = in.readLong();
    d.lr = readDouble(in);
    d.clip = readDouble(in);
    d.weightDecay = readDouble(in);
    int a = in.readByte();
    GuardAction[] actions = GuardAction.values();
    if (a < 0 || a >= actions.length) {
      throw new IOException("guard action must be in [0, " + actions.length + "), but was " + a);
    }
    d.action = actions[a];
    int n = in.readInt();
    if (n < 0 || n > (1 << 20)) {
      throw new IOException("layer count must be in [0, 2^20], but was " + n);
    }
    d.setLayerCount(n);
    for (int i = 0; i < n; i++) {
      d.layerLrMultipliers[i] = readDouble(in);
    }
    d.lrMeasurement = readDouble(in);
    d.lrError = readDouble(in);
    d.lrIntegral = readDouble(in);
    d.clipMeasurement = readDouble(in);
    d.clipError = readDouble(in);
    d.clipIntegral = readDouble(in);
    d.wdMeasurement = readDouble(in);
    d.wdError = readDouble(in);
    d.wdIntegral = readDouble(in);
    d.faults = in.readLong();
    d.lossZ = readDouble(in);
    d.gradZ = readDouble(in);
    return d;
  }

  /** Writes the raw bits: a NaN's payload is kept (DataOutput.writeDouble canonicalizes it). */
  static void writeDouble(DataOutput out, double v) throws IOException {
    out.writeLong(Double.doubleToRawLongBits(v));
  }

  static double readDouble(DataInput in) throws IOException {
    return Double.longBitsToDouble(in.readLong());
  }

  static void writeDoubles(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      writeDouble(out, v);
    }
  }

  static double[] readDoubles(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > (1 << 20)) {
      throw new IOException("array length must be in [0, 2^20], but was " + n);
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = readDouble(in);
    }
    return a;
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

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
    out.writeDouble(o.loss());
    out.writeDouble(o.gradNorm());
    out.writeDouble(o.paramNorm());
    out.writeDouble(o.updateNorm());
    out.writeDouble(o.alignment());
    out.writeDouble(o.sharpness());
    out.writeDouble(o.valLoss());
    out.writeInt(o.batchSize());
    out.writeDouble(o.lr());
    out.writeDouble(o.clip());
    out.writeDouble(o.weightDecay());
    writeDoubles(out, o.layerGradNorms());
    writeDoubles(out, o.layerParamNorms());
    writeDoubles(out, o.layerUpdateNorms());
  }

  static Observation readObservation(DataInput in) throws IOException {
    long step = in.readLong();
    int epoch = in.readInt();
    double loss = in.readDouble();
    double gradNorm = in.readDouble();
    double paramNorm = in.readDouble();
    double updateNorm = in.readDouble();
    double alignment = in.readDouble();
    double sharpness = in.readDouble();
    double valLoss = in.readDouble();
    int batch = in.readInt();
    double lr = in.readDouble();
    double clip = in.readDouble();
    double wd = in.readDouble();
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
    out.writeDouble(d.lr);
    out.writeDouble(d.clip);
    out.writeDouble(d.weightDecay);
    out.writeByte(d.action.ordinal());
    out.writeInt(d.layerCount);
    for (int i = 0; i < d.layerCount; i++) {
      out.writeDouble(d.layerLrMultipliers[i]);
    }
    out.writeDouble(d.lrMeasurement);
    out.writeDouble(d.lrError);
    out.writeDouble(d.lrIntegral);
    out.writeDouble(d.clipMeasurement);
    out.writeDouble(d.clipError);
    out.writeDouble(d.clipIntegral);
    out.writeDouble(d.wdMeasurement);
    out.writeDouble(d.wdError);
    out.writeDouble(d.wdIntegral);
    out.writeLong(d.faults);
    out.writeDouble(d.lossZ);
    out.writeDouble(d.gradZ);
  }

  static Decision readDecision(DataInput in) throws IOException {
    Decision d = new Decision();
    d.step = in.readLong();
    d.lr = in.readDouble();
    d.clip = in.readDouble();
    d.weightDecay = in.readDouble();
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
      d.layerLrMultipliers[i] = in.readDouble();
    }
    d.lrMeasurement = in.readDouble();
    d.lrError = in.readDouble();
    d.lrIntegral = in.readDouble();
    d.clipMeasurement = in.readDouble();
    d.clipError = in.readDouble();
    d.clipIntegral = in.readDouble();
    d.wdMeasurement = in.readDouble();
    d.wdError = in.readDouble();
    d.wdIntegral = in.readDouble();
    d.faults = in.readLong();
    d.lossZ = in.readDouble();
    d.gradZ = in.readDouble();
    return d;
  }

  static void writeDoubles(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
  }

  static double[] readDoubles(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > (1 << 20)) {
      throw new IOException("array length must be in [0, 2^20], but was " + n);
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readDouble();
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

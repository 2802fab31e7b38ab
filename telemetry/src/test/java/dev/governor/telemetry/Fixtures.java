package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;

/** Deterministic test records: every field a closed-form function of the step. */
final class Fixtures {
  private Fixtures() {}

  /**
   * The observations, decisions and events of {@code records} as themselves, in order; closes the
   * stream.
   */
  static java.util.List<Object> values(java.util.stream.Stream<LogRecord> records) {
    try (records) {
      return records
          .<Object>map(
              r -> {
                if (r instanceof LogRecord.Observed o) {
                  return o.observation();
                }
                if (r instanceof LogRecord.Decided d) {
                  return d.decision();
                }
                return ((LogRecord.Occurred) r).event();
              })
          .toList();
    }
  }

  /** Step {@code s} of a made-up run with {@code layers} layers (8 in the benchmarks' shape). */
  static Observation observation(long s, int layers) {
    double[] g = new double[layers];
    double[] p = new double[layers];
    double[] u = new double[layers];
    for (int i = 0; i < layers; i++) {
      g[i] = 0.1 * (i + 1) + s * 1e-3;
      p[i] = 10.0 + i;
      u[i] = 1e-3 * (i + 1) / (1 + s);
    }
    return Observation.builder(s)
        .epoch((int) (s / 100))
        .loss(2.0 / (1 + 0.01 * s))
        .gradNorm(1.0 + (s % 7) * 0.25)
        .paramNorm(30.0 + s * 1e-4)
        .updateNorm(0.03 / (1 + s))
        .alignment(Math.cos(s))
        .sharpness(s % 5 == 0 ? Double.NaN : 4.0 + s * 1e-2)
        .valLoss(s % 10 == 0 ? 2.1 / (1 + 0.01 * s) : Double.NaN)
        .batchSize(64)
        .lr(0.1)
        .clip(s % 3 == 0 ? Double.POSITIVE_INFINITY : 1.5)
        .weightDecay(1e-4)
        .layerGradNorms(g)
        .layerParamNorms(p)
        .layerUpdateNorms(u)
        .build();
  }

  /** A decision after step {@code s}, with multipliers and internals. */
  static Decision decision(long s, int layers) {
    Decision d = new Decision();
    d.step = s;
    d.lr = 0.1 / (1 + s * 0.01);
    d.clip = s % 4 == 0 ? Double.POSITIVE_INFINITY : 2.0 + s * 0.001;
    d.weightDecay = 1e-4 * (1 + s % 3);
    d.action = GuardAction.values()[(int) (s % 4)];
    d.setLayerCount(layers);
    for (int i = 0; i < layers; i++) {
      d.layerLrMultipliers[i] = 0.5 + 0.1 * i;
    }
    d.lrMeasurement = 1e-3 * s;
    d.lrError = -0.5 + s * 1e-3;
    d.lrIntegral = s * 1e-2;
    d.clipMeasurement = 0.1;
    d.clipError = Double.NaN;
    d.clipIntegral = -1.25;
    d.wdMeasurement = Double.NaN;
    d.wdError = Double.NaN;
    d.wdIntegral = Double.NaN;
    d.faults = s / 10;
    d.lossZ = s < 20 ? Double.NaN : 0.5;
    d.gradZ = -0.25;
    return d;
  }

  /** Field-by-field bit equality of two decisions (Decision has no equals). */
  static boolean same(Decision a, Decision b) {
    if (a.step != b.step
        || a.action != b.action
        || a.layerCount != b.layerCount
        || a.faults != b.faults) {
      return false;
    }
    for (int i = 0; i < a.layerCount; i++) {
      if (!bits(a.layerLrMultipliers[i], b.layerLrMultipliers[i])) {
        return false;
      }
    }
    return bits(a.lr, b.lr)
        && bits(a.clip, b.clip)
        && bits(a.weightDecay, b.weightDecay)
        && bits(a.lrMeasurement, b.lrMeasurement)
        && bits(a.lrError, b.lrError)
        && bits(a.lrIntegral, b.lrIntegral)
        && bits(a.clipMeasurement, b.clipMeasurement)
        && bits(a.clipError, b.clipError)
        && bits(a.clipIntegral, b.clipIntegral)
        && bits(a.wdMeasurement, b.wdMeasurement)
        && bits(a.wdError, b.wdError)
        && bits(a.wdIntegral, b.wdIntegral)
        && bits(a.lossZ, b.lossZ)
        && bits(a.gradZ, b.gradZ);
  }

  private static boolean bits(double x, double y) {
    return Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y);
  }
}

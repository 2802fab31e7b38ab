package dev.governor.telemetry;

import dev.governor.control.Decision;

/** Allocation-free validation of a {@link Decision} holder against the Hyperparameters domain. */
final class Decisions {
  private Decisions() {}

  /**
   * Null when the decision's hyperparameters are in their domain (the rules of {@code
   * Hyperparameters}), else a message naming the first field out of it; allocates only then.
   */
  static String invalid(Decision d) {
    if (d.step < 0) {
      return "decision step must be >= 0, but was " + d.step;
    }
    if (!(d.lr > 0) || !Double.isFinite(d.lr)) {
      return "lr must be finite and > 0, but was " + d.lr;
    }
    if (!(d.clip > 0)) {
      return "clip must be > 0 (or +Infinity for none), but was " + d.clip;
    }
    if (!(d.weightDecay >= 0) || !Double.isFinite(d.weightDecay)) {
      return "weightDecay must be finite and >= 0, but was " + d.weightDecay;
    }
    if (d.action == null) {
      return "action must not be null";
    }
    for (int i = 0; i < d.layerCount; i++) {
      double m = d.layerLrMultipliers[i];
      if (!(m > 0) || !Double.isFinite(m)) {
        return "layerLrMultipliers[" + i + "] must be finite and > 0, but was " + m;
      }
    }
    return null;
  }
}

package dev.governor.sim;

import java.util.Locale;

/** How the noisy quadratic model's gradient noise depends on the curvature. */
public enum NoiseKind {
  /** Per-sample variance s² in every coordinate. */
  ISOTROPIC,
  /** Per-sample variance s²·h<sub>i</sub> in coordinate i (noise covariance ∝ H, Zhang et al.). */
  CURVATURE;

  /** Lower-case name used on the command line. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code isotropic} or {@code curvature}.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  public static NoiseKind parse(String s) {
    if (s != null) {
      for (NoiseKind k : values()) {
        if (k.id().equalsIgnoreCase(s.trim())) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException("noise must be isotropic or curvature, but was '" + s + "'");
  }
}

package dev.governor.bench;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The cost ratio of a variant against a baseline timed in interleaved paired rounds: the geometric
 * mean of the per-round ratios with a 95 % confidence interval from Student's t on the log ratios
 * (rounds are paired, so load that slows both variants of a round cancels in its ratio).
 *
 * @param estimate exp(mean of ln(variant_r / base_r))
 * @param lower lower bound of the 95 % interval (NaN with fewer than 2 rounds)
 * @param upper upper bound of the 95 % interval (NaN with fewer than 2 rounds)
 * @param rounds number of paired rounds
 */
record PairedRatio(double estimate, double lower, double upper, int rounds) {

  /**
   * @throws IllegalArgumentException when the arrays differ in length, are empty, or hold a time
   *     that is not finite and {@code > 0}
   */
  static PairedRatio of(double[] base, double[] variant, int rounds) {
    if (rounds < 1 || rounds > base.length || rounds > variant.length) {
      throw new IllegalArgumentException(
          "rounds must be in [1, "
              + Math.min(base.length, variant.length)
              + "], but was "
              + rounds);
    }
    double[] d = new double[rounds];
    double sum = 0;
    for (int r = 0; r < rounds; r++) {
      if (!(base[r] > 0) || !(variant[r] > 0) || !Double.isFinite(base[r] + variant[r])) {
        throw new IllegalArgumentException(
            "round "
                + r
                + " times must be finite and > 0, but were "
                + base[r]
                + ", "
                + variant[r]);
      }
      d[r] = Math.log(variant[r] / base[r]);
      sum += d[r];
    }
    double mean = sum / rounds;
    if (rounds < 2) {
      return new PairedRatio(Math.exp(mean), Double.NaN, Double.NaN, rounds);
    }
    double ss = 0;
    for (double x : d) {
      ss += (x - mean) * (x - mean);
    }
    double se = Math.sqrt(ss / (rounds - 1) / rounds);
    double t = new TDistribution(null, rounds - 1).inverseCumulativeProbability(0.975);
    return new PairedRatio(
        Math.exp(mean), Math.exp(mean - t * se), Math.exp(mean + t * se), rounds);
  }

  /** Width of the interval (NaN with fewer than 2 rounds). */
  double width() {
    return upper - lower;
  }

  /**
   * "met" when the upper bound is at most {@code limit}, "MISSED" when the lower bound exceeds it,
   * otherwise "unresolved" (the interval contains the limit; more rounds needed).
   */
  String judge(double limit) {
    if (upper <= limit) {
      return "met";
    }
    if (lower > limit) {
      return "MISSED";
    }
    return "unresolved";
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT, "%.3f [%.3f, %.3f] n=%d", estimate, lower, upper, rounds);
  }
}

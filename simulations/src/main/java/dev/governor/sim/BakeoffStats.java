package dev.governor.sim;

import java.util.List;
import java.util.Map;

/**
 * The bake-off's statistics ({@link BakeoffSuite}): steps-to-target with "not reached" as +Inf, the
 * seeded percentile-bootstrap CI of the median, the penalised medians and ratios to the best tuned
 * baseline, their geometric mean, and the performance-profile thresholds.
 */
final class BakeoffStats {
  private BakeoffStats() {}

  /** Steps-to-target with "not reached" as +Inf. */
  static double[] steps(List<RunResult> rs, boolean strict) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      long s = strict ? r.stepsToStrictTarget() : r.stepsToTarget();
      v[i] = s >= 0 ? s : Double.POSITIVE_INFINITY;
    }
    return v;
  }

  /**
   * A percentile-bootstrap 95 % CI of the median: 2,000 resamples from a generator seeded with
   * {@code seed}; +Inf values stay +Inf (a bound may be +Inf).
   */
  static double[] bootstrapMedianCi(double[] v, long seed) {
    if (v.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    org.apache.commons.rng.UniformRandomProvider rng =
        org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    int b = 2000;
    double[] med = new double[b];
    double[] sample = new double[v.length];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < v.length; j++) {
        sample[j] = v[rng.nextInt(v.length)];
      }
      med[i] = Stats.median(sample);
    }
    return new double[] {Stats.quantile(med, 0.025), Stats.quantile(med, 0.975)};
  }

  /**
   * The denominator of a problem's ratios: the best median, or NaN when even the best did not reach
   * the target (a problem where no tuned baseline reaches says nothing about speed).
   */
  static double denominator(double best, long steps) {
    return best < 2.0 * steps ? best : Double.NaN;
  }

  /** Median steps with "not reached" counted as 2 × the budget (for ratios). */
  static double penalised(double median, long steps) {
    return Double.isFinite(median) ? Math.max(1, median) : 2.0 * steps;
  }

  /** {@code a / best}, NaN when there is no best (no tuned baseline ran). */
  static double ratio(double a, double best) {
    return Double.isFinite(best) ? a / best : Double.NaN;
  }

  static final double[] TAUS = {1, 1.25, 1.5, 2, 4, 8};

  /**
   * The geometric mean of the ratios of {@code keys}, over the problems whose ratio is defined
   * (NaN: no tuned baseline reached there); NaN when none is.
   */
  static double geomean(Map<String, double[]> r, List<String> keys, int k) {
    double s = 0;
    int n = 0;
    for (String key : keys) {
      double v = r.get(key)[k];
      if (Double.isFinite(v)) {
        s += Math.log(v);
        n++;
      }
    }
    return n == 0 ? Double.NaN : Math.exp(s / n);
  }
}

package dev.governor.sim;

import java.util.Arrays;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;

/**
 * Order statistics and tests used by the suites. NaN inputs are not allowed (callers map "did not
 * reach the target" to +Inf, which sorts last).
 */
public final class Stats {
  private Stats() {}

  /** The median (mean of the middle two for even n); NaN for an empty array. */
  /**
   * The residual standard deviation of {@code y} about its least-squares line on the index, {@code
   * √(SSR/(n−2))}: the fluctuation of a series with its trend removed. NaN for fewer than 3 values
   * or when a value is not finite.
   */
  public static double detrendedStd(double[] y) {
    int n = y.length;
    if (n < 3) {
      return Double.NaN;
    }
    double mk = (n - 1) / 2.0;
    double my = 0;
    for (double v : y) {
      my += v;
    }
    my /= n;
    double skk = 0;
    double sky = 0;
    double syy = 0;
    for (int k = 0; k < n; k++) {
      double dk = k - mk;
      double dy = y[k] - my;
      skk += dk * dk;
      sky += dk * dy;
      syy += dy * dy;
    }
    double res = syy - sky * sky / skk;
    return Double.isFinite(res) ? Math.sqrt(Math.max(0, res / (n - 2))) : Double.NaN;
  }

  public static double median(double[] v) {
    return quantile(v, 0.5);
  }

  /** The q-quantile by linear interpolation between order statistics (R type 7). */
  public static double quantile(double[] v, double q) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    double h = (s.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = (int) Math.ceil(h);
    if (lo == hi || s[lo] == s[hi]) {
      return s[lo];
    }
    return s[lo] + (h - lo) * (s[hi] - s[lo]);
  }

  /**
   * A distribution-free confidence interval for the median from order statistics: the widest
   * symmetric pair (x<sub>(j)</sub>, x<sub>(n+1−j)</sub>) with P(j ≤ Bin(n, ½) ≤ n − j) ≥ level.
   * Returns {lo, hi}; for n < 6 at 95 % the interval is the sample range (coverage &lt; level).
   */
  public static double[] medianCi(double[] v, double level) {
    if (v.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    BinomialDistribution b = new BinomialDistribution(null, n, 0.5);
    int j = 0; // 0-based lower index
    for (int k = n / 2; k >= 0; k--) {
      // coverage of (s[k], s[n-1-k]) = P(k+1 <= B <= n-1-k) = P(B <= n-1-k) - P(B <= k)
      double cov = b.cumulativeProbability(n - 1 - k) - b.cumulativeProbability(k);
      if (cov >= level) {
        j = k;
        break;
      }
    }
    return new double[] {s[j], s[n - 1 - j]};
  }

  /**
   * Two-sided Mann–Whitney U test p-value (Commons Math, normal approximation with tie correction);
   * 1 when both samples are constant and equal.
   */
  public static double mannWhitneyP(double[] a, double[] b) {
    if (a.length == 0 || b.length == 0) {
      return Double.NaN;
    }
    double p = new MannWhitneyUTest().mannWhitneyUTest(a, b);
    return Double.isNaN(p) ? 1.0 : p;
  }

  /** Mean of the finite values; NaN when there are none. */
  public static double finiteMean(double[] v) {
    double s = 0;
    int n = 0;
    for (double d : v) {
      if (Double.isFinite(d)) {
        s += d;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  /** Spearman rank correlation (Commons Math). */
  public static double spearman(double[] a, double[] b) {
    return new org.apache.commons.math3.stat.correlation.SpearmansCorrelation().correlation(a, b);
  }
}

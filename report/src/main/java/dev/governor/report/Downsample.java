package dev.governor.report;

import java.util.Arrays;

/**
 * Thinning of a long series before it is drawn. XChart's cost grows faster than linearly with the
 * points it draws, and a chart a few hundred pixels wide cannot show more than a few points per
 * pixel column anyway.
 */
public final class Downsample {
  private Downsample() {}

  /**
   * At most {@code maxPoints} points of the series {@code (x, y)}: the points are cut into {@code
   * maxPoints / 2} buckets of consecutive indices, and each bucket keeps its lowest and its highest
   * point (by {@code y}, in index order), so spikes survive as they would on screen. A series with
   * at most {@code maxPoints} points is returned as is. Points whose {@code y} is NaN or infinite
   * are dropped from a thinned series (they are not drawn anyway); a bucket of only such points
   * contributes nothing.
   *
   * @return {@code {x', y'}}
   * @throws IllegalArgumentException when the arrays differ in length or {@code maxPoints < 2}
   */
  public static double[][] minMax(double[] x, double[] y, int maxPoints) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "x and y must have the same length, but were " + x.length + " and " + y.length);
    }
    if (maxPoints < 2) {
      throw new IllegalArgumentException("maxPoints must be >= 2, but was " + maxPoints);
    }
    int n = x.length;
    if (n <= maxPoints) {
      return new double[][] {x, y};
    }
    int buckets = maxPoints / 2;
    double[] xs = new double[2 * buckets];
    double[] ys = new double[2 * buckets];
    int m = 0;
    for (int k = 0; k < buckets; k++) {
      int a = (int) ((long) k * n / buckets);
      int b = (int) ((long) (k + 1) * n / buckets);
      int lo = -1;
      int hi = -1;
      for (int i = a; i < b; i++) {
        if (!Double.isFinite(y[i])) {
          continue;
        }
        if (lo < 0 || y[i] < y[lo]) {
          lo = i;
        }
        if (hi < 0 || y[i] > y[hi]) {
          hi = i;
        }
      }
      if (lo < 0) {
        continue;
      }
      int first = Math.min(lo, hi);
      int second = Math.max(lo, hi);
      xs[m] = x[first];
      ys[m++] = y[first];
      if (second != first) {
        xs[m] = x[second];
        ys[m++] = y[second];
      }
    }
    return new double[][] {Arrays.copyOf(xs, m), Arrays.copyOf(ys, m)};
  }

  /**
   * Means of consecutive windows of {@code w} values and the window centres as x ({@code from + (to
   * - from) / 2} for the window {@code [from, to)}): {@code max(1, y.length / w)} windows of {@code
   * w} values from the start (a remainder shorter than {@code w} at the end is not shown). A window
   * holding a NaN has mean NaN; so has the one window of an empty series.
   *
   * @throws IllegalArgumentException when {@code w < 1}
   */
  public static double[][] windowMeans(double[] y, int w) {
    if (w < 1) {
      throw new IllegalArgumentException("w must be >= 1, but was " + w);
    }
    int n = Math.max(1, y.length / w);
    double[] xs = new double[n];
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      int from = i * w;
      int to = Math.min(y.length, from + w);
      double s = 0;
      for (int k = from; k < to; k++) {
        s += y[k];
      }
      xs[i] = from + (to - from) / 2.0;
      ys[i] = to > from ? s / (to - from) : Double.NaN;
    }
    return new double[][] {xs, ys};
  }
}

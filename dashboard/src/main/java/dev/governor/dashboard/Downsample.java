package dev.governor.dashboard;

import java.util.Arrays;

/**
 * Min/max-bucket downsampling of a table of columns that share one row axis (a run's steps).
 *
 * <p>The rows {@code [from, to)} are split into {@code buckets} runs of consecutive rows (bucket
 * {@code b} holds rows {@code from + floor(b·n/B)} up to but excluding {@code from +
 * floor((b+1)·n/B)}, {@code n = to - from}). Kept are, for every bucket and every column, the row
 * holding the column's minimum and the row holding its maximum (the first such row on ties), plus
 * the first and the last row of the range; a kept row keeps every column's value, so each column's
 * extremes in each bucket survive exactly and the other values shown are real values of that step.
 * A bucket therefore yields at most {@code 2·columns} rows. When {@code n <= 2·buckets} every row
 * is kept.
 *
 * <p>NaN and ±Inf are no candidates for a minimum or maximum (the page draws them as gaps); a
 * bucket where a column holds only such values contributes no row for that column.
 */
public final class Downsample {
  private Downsample() {}

  /**
   * The rows to keep, ascending.
   *
   * @param columns the columns, each at least {@code to} long (extra entries are ignored)
   * @param from first row, {@code >= 0}
   * @param to end row (exclusive), {@code >= from}
   * @param buckets the number of buckets, {@code >= 1}
   * @throws IllegalArgumentException naming the argument when a bound is out of range
   */
  public static int[] minMaxRows(double[][] columns, int from, int to, int buckets) {
    if (!(buckets >= 1)) {
      throw new IllegalArgumentException("buckets must be >= 1, but was " + buckets);
    }
    if (from < 0 || to < from) {
      throw new IllegalArgumentException(
          "rows must satisfy 0 <= from <= to, but were from=" + from + ", to=" + to);
    }
    for (double[] c : columns) {
      if (c.length < to) {
        throw new IllegalArgumentException(
            "every column must hold at least " + to + " rows, but one holds " + c.length);
      }
    }
    int n = to - from;
    if (n <= 2L * buckets) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = from + i;
      }
      return all;
    }
    int[] keep = new int[2 + 2 * buckets * Math.max(1, columns.length)];
    int k = 0;
    keep[k++] = from;
    for (int b = 0; b < buckets; b++) {
      int lo = from + (int) ((long) b * n / buckets);
      int hi = from + (int) ((long) (b + 1) * n / buckets);
      for (double[] c : columns) {
        int min = -1;
        int max = -1;
        for (int i = lo; i < hi; i++) {
          double v = c[i];
          if (!Double.isFinite(v)) {
            continue;
          }
          if (min < 0 || v < c[min]) {
            min = i;
          }
          if (max < 0 || v > c[max]) {
            max = i;
          }
        }
        if (min >= 0) {
          keep[k++] = min;
          keep[k++] = max;
        }
      }
    }
    keep[k++] = to - 1;
    int[] rows = Arrays.copyOf(keep, k);
    Arrays.sort(rows);
    int u = 0;
    for (int i = 0; i < rows.length; i++) {
      if (u == 0 || rows[i] != rows[u - 1]) {
        rows[u++] = rows[i];
      }
    }
    return Arrays.copyOf(rows, u);
  }
}

package dev.governor.dashboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DownsampleTest {

  /*
   * a_i = sin(0.7 i)(1 + i/10), b_i = cos(1.3 i), i = 0..49, with a_7 = NaN, a_30 = +Inf,
   * b_12 = -Inf, b_13 = NaN; 4 buckets: [0,12) [12,25) [25,37) [37,50). NumPy (non-finite set to
   * NaN, then nanargmin / nanargmax per bucket and column, plus rows 0 and 49):
   *   [0, 6, 7, 11, 17, 20, 24, 29, 34, 36, 41, 43, 47, 48, 49]
   */
  @Test
  void keepsEachBucketsMinimumAndMaximumOfEveryColumnAsNumPyFindsThem() {
    int n = 50;
    double[] a = new double[n];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = Math.sin(0.7 * i) * (1 + i / 10.0);
      b[i] = Math.cos(1.3 * i);
    }
    a[7] = Double.NaN;
    a[30] = Double.POSITIVE_INFINITY;
    b[12] = Double.NEGATIVE_INFINITY;
    b[13] = Double.NaN;
    int[] rows = Downsample.minMaxRows(new double[][] {a, b}, 0, n, 4);
    assertArrayEquals(new int[] {0, 6, 7, 11, 17, 20, 24, 29, 34, 36, 41, 43, 47, 48, 49}, rows);
  }

  /** 200,000 rows of a random walk with outliers, 500 buckets: every extreme survives. */
  @Test
  void everyBucketsExtremesSurviveAndTheCountIsBounded() {
    int n = 200_000;
    int buckets = 500;
    SplittableRandom r = new SplittableRandom(7);
    double[][] cols = new double[3][n];
    for (int c = 0; c < 3; c++) {
      double v = 0;
      for (int i = 0; i < n; i++) {
        v += r.nextGaussian();
        cols[c][i] = r.nextInt(1000) == 0 ? v * 50 : v;
        if (r.nextInt(500) == 0) {
          cols[c][i] = Double.NaN;
        }
      }
    }
    int from = 1234;
    int[] rows = Downsample.minMaxRows(cols, from, n, buckets);
    assertTrue(rows.length <= 2 + 2 * 3 * buckets, "kept " + rows.length);
    assertEquals(from, rows[0]);
    assertEquals(n - 1, rows[rows.length - 1]);
    for (int i = 1; i < rows.length; i++) {
      assertTrue(rows[i] > rows[i - 1], "rows ascend without repeats");
    }
    int m = n - from;
    for (int k = 0; k < buckets; k++) {
      int lo = from + (int) ((long) k * m / buckets);
      int hi = from + (int) ((long) (k + 1) * m / buckets);
      int[] kept = Arrays.stream(rows).filter(x -> x >= lo && x < hi).toArray();
      for (double[] c : cols) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = lo; i < hi; i++) {
          if (Double.isFinite(c[i])) {
            min = Math.min(min, c[i]);
            max = Math.max(max, c[i]);
          }
        }
        double kmin = Double.POSITIVE_INFINITY;
        double kmax = Double.NEGATIVE_INFINITY;
        for (int i : kept) {
          if (Double.isFinite(c[i])) {
            kmin = Math.min(kmin, c[i]);
            kmax = Math.max(kmax, c[i]);
          }
        }
        assertEquals(min, kmin, 0.0, "bucket " + k + " minimum");
        assertEquals(max, kmax, 0.0, "bucket " + k + " maximum");
      }
    }
  }

  @Test
  void shortRangesAreKeptWholeAndBadArgumentsAreNamed() {
    double[][] c = {{3, 1, 2, 5, 4}};
    assertArrayEquals(new int[] {1, 2, 3, 4}, Downsample.minMaxRows(c, 1, 5, 2));
    assertArrayEquals(new int[0], Downsample.minMaxRows(c, 5, 5, 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Downsample.minMaxRows(c, 0, 5, 0));
    assertEquals("buckets must be >= 1, but was 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Downsample.minMaxRows(c, 0, 6, 2));
    assertEquals("every column must hold at least 6 rows, but one holds 5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Downsample.minMaxRows(c, 3, 2, 2));
    assertEquals("rows must satisfy 0 <= from <= to, but were from=3, to=2", e.getMessage());
  }
}

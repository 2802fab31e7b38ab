package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link Downsample#minMax}: the lowest and highest point of each bucket, spikes kept. */
class DownsampleTest {

  /**
   * y[i] = ((7919 i) mod 1009) / 1009 for i in [0, 10000), plus 50 at i = 5000, NaN at i = 123; 100
   * points = 50 buckets of 200. Reference (NumPy, per bucket [k n / 50, (k + 1) n / 50): argmin and
   * argmax over the finite values, in index order): 100 points; the first indices 0, 33, 244, 277,
   * 488, 521; the last four 9602, 9780, 9813, 9846; the only value above 2 is at index 5000.
   */
  @Test
  void keepsEachBucketsLowestAndHighestPointInIndexOrder() {
    int n = 10_000;
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = ((7919L * i) % 1009) / 1009.0;
    }
    y[5000] += 50;
    y[123] = Double.NaN;
    double[][] d = Downsample.minMax(x, y, 100);
    assertEquals(100, d[0].length);
    assertArrayEquals(
        new double[] {0, 33, 244, 277, 488, 521}, java.util.Arrays.copyOf(d[0], 6), 0.0);
    assertArrayEquals(
        new double[] {9602, 9780, 9813, 9846}, java.util.Arrays.copyOfRange(d[0], 96, 100), 0.0);
    int spikes = 0;
    for (int j = 0; j < d[0].length; j++) {
      assertEquals(y[(int) d[0][j]], d[1][j], 0.0, "y belongs to its x");
      if (d[1][j] > 2) {
        spikes++;
        assertEquals(5000, d[0][j], 0.0);
      }
    }
    assertEquals(1, spikes, "the spike survives");
    assertEquals(0.0, d[1][0], 0.0);
    assertEquals(1005.0 / 1009.0, d[1][1], 1e-15); // 0.99603567888999...
  }

  @Test
  void aShortSeriesIsReturnedAsIs() {
    double[] x = {1, 2, 3};
    double[] y = {3, 1, 2};
    double[][] d = Downsample.minMax(x, y, 4);
    assertSame(x, d[0]);
    assertSame(y, d[1]);
    assertThrows(IllegalArgumentException.class, () -> Downsample.minMax(x, y, 1));
    assertThrows(IllegalArgumentException.class, () -> Downsample.minMax(x, new double[2], 4));
  }

  /**
   * NumPy: y = [1..7, nan, 9, 10, 11], w = 3: three windows [0,3), [3,6), [6,9) (the remainder
   * [9,11) is not shown); centres 1.5, 4.5, 7.5; means 2.0, 5.0, nan.
   */
  @Test
  void windowMeans() {
    double[] y = {1, 2, 3, 4, 5, 6, 7, Double.NaN, 9, 10, 11};
    double[][] d = Downsample.windowMeans(y, 3);
    assertArrayEquals(new double[] {1.5, 4.5, 7.5}, d[0], 0.0);
    assertArrayEquals(new double[] {2.0, 5.0, Double.NaN}, d[1], 0.0);
    assertThrows(IllegalArgumentException.class, () -> Downsample.windowMeans(y, 0));
  }
}

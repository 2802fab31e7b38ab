package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class SeriesTest {

  private static OptionalDouble c(double... y) {
    return Series.line("s", y).constantValue();
  }

  @Test
  void constantValueIgnoresNaNAndRoundingButNotChange() {
    double inf = Double.POSITIVE_INFINITY;
    assertEquals(OptionalDouble.of(0.0), c(0, 0, -0.0, Double.NaN, 0));
    assertEquals(OptionalDouble.of(inf), c(inf, inf), "no clipping throughout");
    // a window mean of 1e-3 rounds: (3 * 1e-3) / 3 = 0.0010000000000000002
    assertEquals(OptionalDouble.of(1e-3), c(1e-3, (1e-3 + 1e-3 + 1e-3) / 3));
    assertTrue(c(1e-3, 1.0001e-3).isEmpty());
    assertTrue(c(1, inf).isEmpty());
    assertTrue(c(inf, 1).isEmpty());
    assertTrue(c(inf, -inf).isEmpty());
    assertTrue(c(Double.NaN, Double.NaN).isEmpty(), "nothing measured");
    assertTrue(c().isEmpty());
  }

  @Test
  void chartSplitsConstantFromVaryingSeries() {
    Chart ch =
        Chart.of("wd", "step", "wd")
            .add(Series.line("pi", new double[] {0, 1}, new double[] {0, 0}))
            .add(Series.line("cosine", new double[] {0, 1}, new double[] {1e-4, 5e-5}));
    assertEquals(Map.of("pi", 0.0), ch.constants());
    assertEquals(1, ch.varying().series().size());
    assertEquals("cosine", ch.varying().series().get(0).name());
  }

  @Test
  void validates() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Series.line("s", new double[2], new double[3]));
    assertEquals("x and y must have the same length, but were 2 and 3", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Series.line("s", new double[1]).withColor(0x1000000));
    assertEquals("rgb must be -1 (auto) or in [0, 0xFFFFFF], but was 16777216", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Grid.of(List.of("a")).cellSize(10, 100));
    assertEquals("cell size must be at least 50 x 50 pixels, but was 10 x 100", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Chart.of("t", "x", "y").maxPoints(1));
    assertEquals("maxPoints must be >= 2, but was 1", e.getMessage());
  }
}

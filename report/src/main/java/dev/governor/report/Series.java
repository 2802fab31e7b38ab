package dev.governor.report;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One named series of points for a {@link Chart}. Points whose x or y is NaN or infinite (or not
 * positive on a logarithmic axis) are not drawn; a long series is thinned before drawing (see
 * {@link Downsample}). The arrays are not copied: do not change them after handing them over.
 *
 * @param name the legend's name
 * @param x the x values
 * @param y the y values, as many as x
 * @param style how the points are drawn
 * @param marker the marker of each point (for {@link Style#LINE} usually {@link Marker#NONE})
 * @param rgb the colour as {@code 0xRRGGBB}, or {@link #AUTO} for the chart's next colour
 */
public record Series(String name, double[] x, double[] y, Style style, Marker marker, int rgb) {

  /** No fixed colour: the chart picks one. */
  public static final int AUTO = -1;

  /** How points are drawn. */
  public enum Style {
    /** Joined by a line. */
    LINE,
    /** Not joined, markers only. */
    SCATTER
  }

  /** The marker drawn at each point. */
  public enum Marker {
    NONE,
    CIRCLE,
    DIAMOND,
    CROSS,
    SQUARE,
    TRIANGLE_DOWN
  }

  /**
   * @throws IllegalArgumentException when x and y differ in length or {@code rgb} is neither {@link
   *     #AUTO} nor in {@code [0, 0xFFFFFF]}
   */
  public Series {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(x, "x must not be null");
    Objects.requireNonNull(y, "y must not be null");
    Objects.requireNonNull(style, "style must not be null");
    Objects.requireNonNull(marker, "marker must not be null");
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "x and y must have the same length, but were " + x.length + " and " + y.length);
    }
    if (rgb != AUTO && !(rgb >= 0 && rgb <= 0xFFFFFF)) {
      throw new IllegalArgumentException(
          "rgb must be -1 (auto) or in [0, 0xFFFFFF], but was " + rgb);
    }
  }

  /** A line without markers. */
  public static Series line(String name, double[] x, double[] y) {
    return new Series(name, x, y, Style.LINE, Marker.NONE, AUTO);
  }

  /** A line with a circle at each point (for few points: per epoch, per trial). */
  public static Series points(String name, double[] x, double[] y) {
    return new Series(name, x, y, Style.LINE, Marker.CIRCLE, AUTO);
  }

  /** Unjoined markers. */
  public static Series scatter(String name, double[] x, double[] y, Marker marker) {
    return new Series(name, x, y, Style.SCATTER, marker, AUTO);
  }

  /** Unjoined markers at {@code points}, each an {@code {x, y}} pair. */
  public static Series scatter(String name, List<double[]> points, Marker marker) {
    double[] x = new double[points.size()];
    double[] y = new double[points.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = points.get(i)[0];
      y[i] = points.get(i)[1];
    }
    return scatter(name, x, y, marker);
  }

  /** The y values against their index 0, 1, 2, … */
  public static Series line(String name, double[] y) {
    double[] x = new double[y.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    return line(name, x, y);
  }

  /** This series in colour {@code 0xRRGGBB}. */
  public Series withColor(int rgb) {
    return new Series(name, x, y, style, marker, rgb);
  }

  /** This series with another marker. */
  public Series withMarker(Marker m) {
    return new Series(name, x, y, style, m, rgb);
  }

  /** This series under another name. */
  public Series named(String n) {
    return new Series(n, x, y, style, marker, rgb);
  }

  /** Relative difference below which two values count as the same in {@link #constantValue}. */
  public static final double CONSTANT_TOLERANCE = 1e-9;

  /**
   * The value of a constant series: present when every y that is not NaN equals the first such
   * value within a relative {@link #CONSTANT_TOLERANCE} ({@code |v - first| <= 1e-9 max(|v|,
   * |first|)}, so the rounding of a windowed mean does not count as change; infinities must match
   * exactly, so a clip threshold that is infinite throughout is constant) and at least one is not
   * NaN; empty for a series that varies or holds only NaN.
   */
  public OptionalDouble constantValue() {
    double first = Double.NaN;
    for (double v : y) {
      if (Double.isNaN(v)) {
        continue;
      }
      if (Double.isNaN(first)) {
        first = v;
      } else if (v != first && !same(v, first)) {
        return OptionalDouble.empty();
      }
    }
    return Double.isNaN(first) ? OptionalDouble.empty() : OptionalDouble.of(first);
  }

  private static boolean same(double a, double b) {
    return Double.isFinite(a)
        && Double.isFinite(b)
        && Math.abs(a - b) <= CONSTANT_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Series s
        && name.equals(s.name)
        && java.util.Arrays.equals(x, s.x)
        && java.util.Arrays.equals(y, s.y)
        && style == s.style
        && marker == s.marker
        && rgb == s.rgb;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, java.util.Arrays.hashCode(x), java.util.Arrays.hashCode(y), style, marker, rgb);
  }

  @Override
  public String toString() {
    return "Series[" + name + ", " + x.length + " points, " + style + "]";
  }
}

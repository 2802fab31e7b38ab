package dev.governor.report;

import java.awt.Color;
import java.io.IOException;
import java.util.Arrays;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a {@link Chart} with XChart. */
final class Plot {
  private Plot() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** The chart as PNG bytes; {@code legend} false hides the legend (small multiples). */
  static byte[] png(Chart chart, boolean legend) throws IOException {
    return BitmapEncoder.getBitmapBytes(xy(chart, legend), BitmapEncoder.BitmapFormat.PNG);
  }

  static XYChart xy(Chart chart, boolean legend) {
    XYChart c =
        new XYChartBuilder()
            .width(chart.width())
            .height(chart.height())
            .title(chart.title())
            .xAxisTitle(chart.xLabel())
            .yAxisTitle(chart.yLabel())
            .build();
    Styler st = c.getStyler();
    c.getStyler().setXAxisLogarithmic(chart.isLogX());
    c.getStyler().setYAxisLogarithmic(chart.isLogY());
    st.setLegendPosition(Styler.LegendPosition.OutsideE);
    st.setLegendVisible(legend);
    st.setMarkerSize(chart.markerSize());
    if (chart.isWholeX()) {
      c.getStyler().setXAxisDecimalPattern("#");
    }
    for (Series s : chart.series()) {
      double[][] d = drawable(s, chart.isLogX(), chart.isLogY());
      d = Downsample.minMax(d[0], d[1], chart.maxPoints());
      XYSeries x = c.addSeries(s.name(), d[0], d[1]);
      x.setXYSeriesRenderStyle(
          s.style() == Series.Style.SCATTER
              ? XYSeries.XYSeriesRenderStyle.Scatter
              : XYSeries.XYSeriesRenderStyle.Line);
      x.setMarker(marker(s.marker()));
      if (s.rgb() != Series.AUTO) {
        Color col = new Color(s.rgb());
        x.setLineColor(col);
        x.setMarkerColor(col);
      }
    }
    return c;
  }

  /**
   * The points of {@code s} that can be drawn: x and y finite, and positive on a log axis. A series
   * with none becomes one point at the axes' origin (0, or 1 on a log axis), so XChart still draws
   * its legend entry and a diverged run does not break the plot.
   */
  static double[][] drawable(Series s, boolean logX, boolean logY) {
    double[] x = s.x();
    double[] y = s.y();
    double[] xs = new double[x.length];
    double[] ys = new double[x.length];
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(x[i])
          && Double.isFinite(y[i])
          && (!logX || x[i] > 0)
          && (!logY || y[i] > 0)) {
        xs[n] = x[i];
        ys[n] = y[i];
        n++;
      }
    }
    if (n == 0) {
      return new double[][] {{logX ? 1 : 0}, {logY ? 1 : 0}};
    }
    return new double[][] {Arrays.copyOf(xs, n), Arrays.copyOf(ys, n)};
  }

  private static Marker marker(Series.Marker m) {
    return switch (m) {
      case NONE -> SeriesMarkers.NONE;
      case CIRCLE -> SeriesMarkers.CIRCLE;
      case DIAMOND -> SeriesMarkers.DIAMOND;
      case CROSS -> SeriesMarkers.CROSS;
      case SQUARE -> SeriesMarkers.SQUARE;
      case TRIANGLE_DOWN -> SeriesMarkers.TRIANGLE_DOWN;
    };
  }
}

package dev.governor.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A self-contained HTML report: headings, text, tables and XChart plots embedded as PNG. */
public final class Report {
  private final StringBuilder html = new StringBuilder();

  /** A report with a title. */
  public Report(String title) {
    System.setProperty("java.awt.headless", "true");
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
        .append(esc(title))
        .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}th{background:#eee}.fail{color:#b00}.ok{color:#070}")
        .append("</style></head><body><h1>")
        .append(esc(title))
        .append("</h1>\n");
  }

  /** Escapes HTML. */
  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** A section heading. */
  public Report heading(String h) {
    html.append("<h2>").append(esc(h)).append("</h2>\n");
    return this;
  }

  /** A paragraph of text. */
  public Report text(String t) {
    html.append("<p>").append(esc(t)).append("</p>\n");
    return this;
  }

  /** A table; the first row is the header. */
  public Report table(List<List<String>> rows) {
    html.append("<table>\n");
    for (int r = 0; r < rows.size(); r++) {
      html.append("<tr>");
      for (String c : rows.get(r)) {
        String tag = r == 0 ? "th" : "td";
        html.append('<')
            .append(tag)
            .append('>')
            .append(esc(c))
            .append("</")
            .append(tag)
            .append('>');
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    return this;
  }

  /** A new line chart of the report's standard size. */
  public static XYChart chart(String title, String x, String y, boolean logX, boolean logY) {
    XYChart c =
        new XYChartBuilder()
            .width(900)
            .height(420)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    c.getStyler().setXAxisLogarithmic(logX);
    c.getStyler().setYAxisLogarithmic(logY);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setMarkerSize(4);
    if (!logX && x.equals("step")) {
      c.getStyler().setXAxisDecimalPattern("#"); // whole steps; "1,061.5" labels ran together
    }
    return c;
  }

  /**
   * At most {@code maxPoints} points of the series {@code (x, y)} for drawing: the points are cut
   * into {@code maxPoints / 2} buckets of consecutive indices, and each bucket keeps its lowest and
   * its highest point (by {@code y}, in index order), so spikes survive as they would on screen. A
   * series with at most {@code maxPoints} points is returned as is. Points whose {@code y} is NaN
   * or infinite are dropped from a thinned series (they are not drawn anyway); a bucket of only
   * such points contributes nothing. XChart's cost grows faster than linearly with the points it
   * draws, so a long run is thinned before it is drawn.
   *
   * @return {@code {x', y'}}
   * @throws IllegalArgumentException when the arrays differ in length or {@code maxPoints < 2}
   */
  public static double[][] downsample(double[] x, double[] y, int maxPoints) {
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
    return new double[][] {java.util.Arrays.copyOf(xs, m), java.util.Arrays.copyOf(ys, m)};
  }

  /**
   * Adds a line series, dropping points that are non-finite (or ≤ 0 on a log axis), so a diverged
   * run does not break the plot.
   */
  public static XYSeries line(XYChart c, String name, double[] x, double[] y, boolean markers) {
    int n = 0;
    double[] xs = new double[x.length];
    double[] ys = new double[x.length];
    boolean logX = c.getStyler().isXAxisLogarithmic();
    boolean logY = c.getStyler().isYAxisLogarithmic();
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
      xs = new double[] {logX ? 1 : 0};
      ys = new double[] {logY ? 1 : 0};
      n = 1;
    }
    XYSeries s = c.addSeries(name, java.util.Arrays.copyOf(xs, n), java.util.Arrays.copyOf(ys, n));
    s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    return s;
  }

  /** Embeds a chart as a base64 PNG. */
  public Report chart(XYChart chart) {
    try {
      byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
      html.append("<p><img alt=\"")
          .append(esc(chart.getTitle()))
          .append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(png))
          .append("\"></p>\n");
    } catch (IOException e) {
      html.append("<p class=\"fail\">plot ")
          .append(esc(chart.getTitle()))
          .append(" failed: ")
          .append(esc(String.valueOf(e.getMessage())))
          .append("</p>\n");
    }
    return this;
  }

  /** The HTML text. */
  public String html() {
    return html + "</body></html>\n";
  }

  /** Writes the report atomically. */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, html(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

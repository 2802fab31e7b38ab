package dev.governor.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A chart described as data: title, axis labels and scales, and its {@link Series}. {@link
 * HtmlPage} draws it (with XChart, as an embedded PNG); nothing here depends on how.
 *
 * <p>Built with chained calls: {@code Chart.of("Loss", "step", "loss").logY().add(series)}. Not
 * thread-safe while being built.
 */
public final class Chart {
  /** Default width in pixels of a chart on its own. */
  public static final int WIDTH = 900;

  /** Default height in pixels of a chart on its own. */
  public static final int HEIGHT = 420;

  /** Points drawn per series at most; longer series are thinned with {@link Downsample#minMax}. */
  public static final int MAX_POINTS = 2000;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private boolean logX;
  private boolean logY;
  private boolean wholeX;
  private int markerSize = 4;
  private int width = WIDTH;
  private int height = HEIGHT;
  private int maxPoints = MAX_POINTS;
  private final List<Series> series = new ArrayList<>();

  private Chart(String title, String xLabel, String yLabel) {
    this.title = Objects.requireNonNull(title, "title must not be null");
    this.xLabel = Objects.requireNonNull(xLabel, "xLabel must not be null");
    this.yLabel = Objects.requireNonNull(yLabel, "yLabel must not be null");
    this.wholeX = xLabel.equals("step");
  }

  /** A chart with linear axes; an x axis labelled {@code step} shows whole numbers. */
  public static Chart of(String title, String xLabel, String yLabel) {
    return new Chart(title, xLabel, yLabel);
  }

  /** A logarithmic x axis (points with x ≤ 0 are not drawn). */
  public Chart logX() {
    logX = true;
    wholeX = false;
    return this;
  }

  /** A logarithmic y axis (points with y ≤ 0 are not drawn). */
  public Chart logY() {
    logY = true;
    return this;
  }

  /** Sets both scales at once. */
  public Chart log(boolean x, boolean y) {
    if (x) {
      logX();
    }
    logY = y;
    return this;
  }

  /** Marker diameter in pixels (default 4). */
  public Chart markerSize(int px) {
    if (!(px > 0)) {
      throw new IllegalArgumentException("markerSize must be > 0, but was " + px);
    }
    markerSize = px;
    return this;
  }

  /** Size in pixels (default {@value #WIDTH} × {@value #HEIGHT}). */
  public Chart size(int widthPx, int heightPx) {
    checkSize("size", widthPx, heightPx);
    width = widthPx;
    height = heightPx;
    return this;
  }

  /**
   * @throws IllegalArgumentException {@code "KEY must be at least 50 x 50 pixels, but was W x H"}
   */
  static void checkSize(String key, int widthPx, int heightPx) {
    if (!(widthPx >= 50) || !(heightPx >= 50)) {
      throw new IllegalArgumentException(
          key + " must be at least 50 x 50 pixels, but was " + widthPx + " x " + heightPx);
    }
  }

  /** Points drawn per series at most (default {@value #MAX_POINTS}). */
  public Chart maxPoints(int n) {
    if (!(n >= 2)) {
      throw new IllegalArgumentException("maxPoints must be >= 2, but was " + n);
    }
    maxPoints = n;
    return this;
  }

  /** Adds a series. */
  public Chart add(Series s) {
    series.add(Objects.requireNonNull(s, "series must not be null"));
    return this;
  }

  /** The title. */
  public String title() {
    return title;
  }

  /** The x axis label. */
  public String xLabel() {
    return xLabel;
  }

  /** The y axis label. */
  public String yLabel() {
    return yLabel;
  }

  /** Whether the x axis is logarithmic. */
  public boolean isLogX() {
    return logX;
  }

  /** Whether the y axis is logarithmic. */
  public boolean isLogY() {
    return logY;
  }

  /** Whether x tick labels are whole numbers. */
  public boolean isWholeX() {
    return wholeX;
  }

  /** Marker diameter in pixels. */
  public int markerSize() {
    return markerSize;
  }

  /** Width in pixels. */
  public int width() {
    return width;
  }

  /** Height in pixels. */
  public int height() {
    return height;
  }

  /** Points drawn per series at most. */
  public int maxPoints() {
    return maxPoints;
  }

  /** The series, in the order added. */
  public List<Series> series() {
    return Collections.unmodifiableList(series);
  }

  /** The series that are constant ({@link Series#constantValue}) and their values, by name. */
  public Map<String, Double> constants() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Series s : series) {
      OptionalDouble c = s.constantValue();
      if (c.isPresent()) {
        m.put(s.name(), c.getAsDouble());
      }
    }
    return m;
  }

  /** A copy of this chart without its constant series (what varies; may hold no series). */
  public Chart varying() {
    Chart c = copyWithout();
    for (Series s : series) {
      if (s.constantValue().isEmpty()) {
        c.series.add(s);
      }
    }
    return c;
  }

  /** A copy of this chart at another size, same series. */
  public Chart resized(int widthPx, int heightPx) {
    Chart c = copyWithout().size(widthPx, heightPx);
    c.series.addAll(series);
    return c;
  }

  private Chart copyWithout() {
    Chart c = new Chart(title, xLabel, yLabel);
    c.logX = logX;
    c.logY = logY;
    c.wholeX = wholeX;
    c.markerSize = markerSize;
    c.width = width;
    c.height = height;
    c.maxPoints = maxPoints;
    return c;
  }
}

package dev.governor.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Small multiples: a table of small charts, one row per case (e.g. an initial learning rate) and
 * one column per quantity (e.g. accuracy, loss, LR, clip, weight decay). {@link HtmlPage#grid}
 * draws it with one legend for the whole grid (a series name has the same colour in every cell),
 * leaves out the series that are constant (the cell says their value) and the columns in which
 * nothing varies in any row (a line under the grid says their values).
 */
public final class Grid {
  /** Default cell width in pixels. */
  public static final int CELL_WIDTH = 300;

  /** Default cell height in pixels. */
  public static final int CELL_HEIGHT = 210;

  private final List<String> columns;
  private final List<String> labels = new ArrayList<>();
  private final List<List<Chart>> rows = new ArrayList<>();
  private int cellWidth = CELL_WIDTH;
  private int cellHeight = CELL_HEIGHT;

  private Grid(List<String> columns) {
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("columns must not be empty");
    }
    this.columns = List.copyOf(columns);
  }

  /** A grid with these column titles. */
  public static Grid of(List<String> columns) {
    return new Grid(columns);
  }

  /** Cell size in pixels (default {@value #CELL_WIDTH} × {@value #CELL_HEIGHT}). */
  public Grid cellSize(int widthPx, int heightPx) {
    Chart.checkSize("cell size", widthPx, heightPx);
    cellWidth = widthPx;
    cellHeight = heightPx;
    return this;
  }

  /**
   * Adds a row; {@code cells} holds one chart per column, or {@code null} where the row has nothing
   * for that column.
   *
   * @throws IllegalArgumentException when the number of cells differs from the columns'
   */
  public Grid row(String label, List<Chart> cells) {
    Objects.requireNonNull(label, "label must not be null");
    if (cells.size() != columns.size()) {
      throw new IllegalArgumentException(
          "a row must have " + columns.size() + " cells, but had " + cells.size());
    }
    labels.add(label);
    rows.add(Collections.unmodifiableList(new ArrayList<>(cells)));
    return this;
  }

  /** The column titles. */
  public List<String> columns() {
    return columns;
  }

  /** The row labels. */
  public List<String> labels() {
    return Collections.unmodifiableList(labels);
  }

  /** The rows' cells. */
  public List<List<Chart>> rows() {
    return Collections.unmodifiableList(rows);
  }

  /** Cell width in pixels. */
  public int cellWidth() {
    return cellWidth;
  }

  /** Cell height in pixels. */
  public int cellHeight() {
    return cellHeight;
  }

  /**
   * Whether column {@code c} has a series that varies in some row (a column of only constant series
   * is not drawn).
   */
  public boolean varies(int c) {
    for (List<Chart> r : rows) {
      Chart ch = r.get(c);
      if (ch != null && !ch.varying().series().isEmpty()) {
        return true;
      }
    }
    return false;
  }
}

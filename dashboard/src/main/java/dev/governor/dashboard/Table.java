package dev.governor.dashboard;

import java.util.Arrays;
import java.util.List;

/**
 * Named columns of doubles that grow row by row (a run's series in memory). Column 0 is the step.
 * Not thread-safe: the owning {@link RunSeries}'s {@link RunData} guards it.
 */
final class Table {
  final List<String> names;
  private double[][] cols;
  private int size;
  private final double[] row;

  Table(List<String> names) {
    this.names = List.copyOf(names);
    this.cols = new double[names.size()][1024];
    this.row = new double[names.size()];
  }

  int size() {
    return size;
  }

  /** The row being filled by {@link #add()}; set every entry, then call {@link #add()}. */
  double[] row() {
    return row;
  }

  /** Appends {@link #row()} as a new row. */
  void add() {
    if (size == cols[0].length) {
      int cap = cols[0].length * 2;
      for (int c = 0; c < cols.length; c++) {
        cols[c] = Arrays.copyOf(cols[c], cap);
      }
    }
    for (int c = 0; c < cols.length; c++) {
      cols[c][size] = row[c];
    }
    size++;
  }

  /** The backing columns (at least {@link #size()} long); valid until the next {@link #add()}. */
  double[][] columns() {
    return cols;
  }

  /** The last step, or -1 when empty. */
  long lastStep() {
    return size == 0 ? -1 : (long) cols[0][size - 1];
  }
}

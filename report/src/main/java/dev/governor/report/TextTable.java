package dev.governor.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A fixed-width table for the terminal: the first row is the header, followed by a rule of dashes;
 * the first column is left-aligned, the others right-aligned, two spaces apart.
 */
public final class TextTable {
  private TextTable() {}

  /**
   * The table's lines.
   *
   * @throws IllegalArgumentException when {@code rows} is empty or a row's length differs from the
   *     header's
   */
  public static List<String> lines(List<List<String>> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("rows must hold at least the header, but was empty");
    }
    int cols = rows.get(0).size();
    int[] w = new int[cols];
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      if (row.size() != cols) {
        throw new IllegalArgumentException(
            "row " + r + " must have " + cols + " cells, but had " + row.size());
      }
      for (int c = 0; c < cols; c++) {
        w[c] = Math.max(w[c], row.get(c).length());
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < cols; c++) {
        String v = rows.get(i).get(c);
        if (c == 0) {
          sb.append(v).append(" ".repeat(w[c] - v.length()));
        } else {
          sb.append("  ").append(" ".repeat(w[c] - v.length())).append(v);
        }
      }
      out.add(sb.toString());
      if (i == 0) {
        out.add("-".repeat(sb.length()));
      }
    }
    return out;
  }
}

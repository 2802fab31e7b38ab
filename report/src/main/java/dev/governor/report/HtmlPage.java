package dev.governor.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A self-contained HTML page: headings, text, tables, {@link Chart}s and {@link Grid}s, the charts
 * embedded as PNG images (no files beside the page, nothing loaded from the network).
 */
public final class HtmlPage {
  /** The colours given to series without one, in order (a ten-colour qualitative palette). */
  static final int[] PALETTE = {
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
    0x17becf
  };

  private final StringBuilder html = new StringBuilder();

  /** A page with a title (also its first heading). */
  public HtmlPage(String title) {
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
        .append(esc(title))
        .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}th{background:#eee}.fail{color:#b00}.ok{color:#070}")
        .append(".lead{font-size:1.15em;border-left:4px solid #1f77b4;padding:.4em .8em;")
        .append("background:#f4f8fc}table.grid td{padding:0;vertical-align:middle}")
        .append("table.grid td.label,table.grid td.const{padding:3px 8px}")
        .append("td.const{color:#666;font-size:.85em;text-align:center;width:")
        .append(Grid.CELL_WIDTH)
        .append(
            "px}.note{color:#666;font-size:.85em}.key{display:inline-block;margin-right:1.2em}.sw{display:inline-block;")
        .append("width:1em;height:1em;vertical-align:middle;margin-right:.3em}")
        .append("</style></head><body><h1>")
        .append(esc(title))
        .append("</h1>\n");
  }

  /** Escapes {@code &}, {@code <}, {@code >} and {@code "} for HTML text and attributes. */
  public static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** A section heading. */
  public HtmlPage heading(String h) {
    html.append("<h2>").append(esc(h)).append("</h2>\n");
    return this;
  }

  /** A paragraph of text. */
  public HtmlPage text(String t) {
    html.append("<p>").append(esc(t)).append("</p>\n");
    return this;
  }

  /** The page's conclusion, set apart at the top: what the reader should take away. */
  public HtmlPage conclusion(String t) {
    html.append("<p class=\"lead\">").append(esc(t)).append("</p>\n");
    return this;
  }

  /** A table; the first row is the header. */
  public HtmlPage table(List<List<String>> rows) {
    html.append("<table>\n");
    for (int r = 0; r < rows.size(); r++) {
      html.append("<tr>");
      String tag = r == 0 ? "th" : "td";
      for (String c : rows.get(r)) {
        html.append('<').append(tag).append('>').append(esc(c)).append("</").append(tag);
        html.append('>');
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    return this;
  }

  /** A chart at its own size, with its legend. */
  public HtmlPage chart(Chart chart) {
    html.append("<p>");
    image(chart, true);
    html.append("</p>\n");
    return this;
  }

  /**
   * Small multiples (see {@link Grid}): a shared legend, then one row per case with one small chart
   * per column that varies; constant series are not drawn and their values are written in the cell
   * instead; columns constant in every row are listed, with their values, under the grid.
   */
  public HtmlPage grid(Grid g) {
    Map<String, Integer> colours = colours(g);
    List<Integer> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (int c = 0; c < g.columns().size(); c++) {
      if (g.varies(c)) {
        kept.add(c);
      } else {
        dropped.add(g.columns().get(c) + " (" + constantsText(g, c) + ")");
      }
    }
    html.append("<p>");
    for (Map.Entry<String, Integer> e : colours.entrySet()) {
      html.append("<span class=\"key\"><span class=\"sw\" style=\"background:")
          .append(String.format("#%06x", e.getValue()))
          .append("\"></span>")
          .append(esc(e.getKey()))
          .append("</span>");
    }
    html.append("</p>\n<table class=\"grid\">\n<tr><th></th>");
    for (int c : kept) {
      html.append("<th>").append(esc(g.columns().get(c))).append("</th>");
    }
    html.append("</tr>\n");
    for (int r = 0; r < g.rows().size(); r++) {
      html.append("<tr><td class=\"label\">").append(esc(g.labels().get(r))).append("</td>");
      for (int c : kept) {
        Chart ch = g.rows().get(r).get(c);
        Chart v = ch == null ? null : ch.varying();
        if (v == null || v.series().isEmpty()) {
          html.append("<td class=\"const\">")
              .append(ch == null ? "" : esc("constant: " + values(ch.constants())))
              .append("</td>");
          continue;
        }
        Chart drawn = Chart.of("", v.xLabel(), v.yLabel());
        drawn.log(v.isLogX(), v.isLogY() && decades(v) >= 1);
        drawn.markerSize(v.markerSize()).maxPoints(v.maxPoints());
        drawn.size(g.cellWidth(), g.cellHeight());
        for (Series s : v.series()) {
          drawn.add(s.rgb() == Series.AUTO ? s.withColor(colours.get(s.name())) : s);
        }
        html.append("<td>");
        image(drawn, false);
        Map<String, Double> flat = ch.constants();
        if (!flat.isEmpty()) {
          html.append("<br><span class=\"note\">constant: ")
              .append(esc(values(flat)))
              .append("</span>");
        }
        html.append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    if (!dropped.isEmpty()) {
      html.append("<p>Not drawn, constant in every run: ")
          .append(esc(String.join("; ", dropped)))
          .append(".</p>\n");
    }
    return this;
  }

  /**
   * How many decades the positive finite y values of a chart span. A small cell's logarithmic axis
   * over less than one decade gets no tick labels from XChart, so such a cell is drawn linear.
   */
  static double decades(Chart c) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (Series s : c.series()) {
      for (double y : s.y()) {
        if (y > 0 && y < Double.POSITIVE_INFINITY) {
          lo = Math.min(lo, y);
          hi = Math.max(hi, y);
        }
      }
    }
    return hi > 0 ? Math.log10(hi / lo) : 0;
  }

  /** A colour per series name across the grid: its own, or the palette's next. */
  private static Map<String, Integer> colours(Grid g) {
    Map<String, Integer> m = new LinkedHashMap<>();
    int next = 0;
    for (List<Chart> row : g.rows()) {
      for (Chart ch : row) {
        if (ch == null) {
          continue;
        }
        for (Series s : ch.series()) {
          if (!m.containsKey(s.name())) {
            m.put(s.name(), s.rgb() != Series.AUTO ? s.rgb() : PALETTE[next++ % PALETTE.length]);
          }
        }
      }
    }
    return m;
  }

  private static String constantsText(Grid g, int c) {
    Map<String, Double> all = new LinkedHashMap<>();
    for (List<Chart> row : g.rows()) {
      if (row.get(c) != null) {
        all.putAll(row.get(c).constants());
      }
    }
    if (all.isEmpty()) {
      return "no data";
    }
    long distinct = all.values().stream().distinct().count();
    return distinct == 1 ? Num.sig(all.values().iterator().next(), 4) : values(all);
  }

  private static String values(Map<String, Double> constants) {
    StringJoiner j = new StringJoiner(", ");
    constants.forEach((k, v) -> j.add(k + " " + Num.sig(v, 4)));
    return j.toString();
  }

  private void image(Chart chart, boolean legend) {
    try {
      byte[] png = Plot.png(chart, legend);
      html.append("<img alt=\"")
          .append(esc(chart.title().isEmpty() ? chart.yLabel() : chart.title()))
          .append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(png))
          .append("\">");
    } catch (IOException e) {
      html.append("<span class=\"fail\">plot ")
          .append(esc(chart.title()))
          .append(" failed: ")
          .append(esc(String.valueOf(e.getMessage())))
          .append("</span>");
    }
  }

  /** The HTML text. */
  public String html() {
    return html + "</body></html>\n";
  }

  /** Writes the page with {@link AtomicFile}. */
  public void write(Path file) throws IOException {
    AtomicFile.writeString(file, html());
  }
}

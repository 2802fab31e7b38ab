package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HtmlPage}: charts only what varies; conclusion first; escaping; atomic write. */
class HtmlPageTest {

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static Chart cell(String col, double[] a, double[] b) {
    double[] x = new double[a.length];
    Arrays.setAll(x, i -> i);
    return Chart.of(col, "step", col).add(Series.line("pi", x, a)).add(Series.line("cosine", x, b));
  }

  /**
   * Two rows × three columns: "loss" varies for both runs, "lr" varies for cosine in row 1 only
   * (pi's LR is constant there and is written in the cell), "wd" is 0 everywhere. Drawn: 2 loss
   * cells + 1 lr cell = 3 images; one constant lr cell; the wd column is not drawn and listed.
   */
  @Test
  void gridDrawsOnlyWhatVaries() {
    double[] down = {3, 2, 1};
    double[] flat = {1e-3, 1e-3, 1e-3};
    double[] zero = {0, 0, 0};
    Grid g =
        Grid.of(List.of("loss", "lr", "wd"))
            .row(
                "initial lr 1e-4",
                List.of(cell("loss", down, down), cell("lr", flat, down), cell("wd", zero, zero)))
            .row(
                "initial lr 1e-3",
                List.of(cell("loss", down, down), cell("lr", flat, flat), cell("wd", zero, zero)));
    String html = new HtmlPage("demo").conclusion("pi wins & cosine < pi").grid(g).html();
    assertEquals(3, count(html, "<img "));
    assertEquals(1, count(html, "<th>loss</th>"));
    assertEquals(1, count(html, "<th>lr</th>"));
    assertEquals(0, count(html, "<th>wd</th>"));
    assertTrue(html.contains(">constant: pi 0.001000, cosine 0.001000</td>"), html);
    assertTrue(html.contains("<span class=\"note\">constant: pi 0.001000</span>"), html);
    assertTrue(html.contains("Not drawn, constant in every run: wd (0.000)."), html);
    // one shared legend, colours fixed per name across cells
    assertEquals(1, count(html, "class=\"sw\" style=\"background:#1f77b4\""));
    assertEquals(1, count(html, "class=\"sw\" style=\"background:#ff7f0e\""));
    assertTrue(html.indexOf("class=\"lead\"") < html.indexOf("<table class=\"grid\">"));
    assertTrue(html.contains("pi wins &amp; cosine &lt; pi"));
    assertFalse(html.contains("pi wins & cosine"));
  }

  @Test
  void chartIsEmbeddedAndAPageIsWrittenWhole(@TempDir Path dir) throws Exception {
    double[] x = new double[5000];
    double[] y = new double[5000];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
      y[i] = i == 17 ? Double.NaN : 1 + i % 7;
    }
    Chart c = Chart.of("long", "step", "loss").logY().add(Series.line("run", x, y));
    HtmlPage p = new HtmlPage("t").heading("h").text("x").chart(c);
    p.table(List.of(List.of("a", "b"), List.of("1", "2")));
    Path f = dir.resolve("report.html");
    p.write(f);
    String html = Files.readString(f);
    assertEquals(1, count(html, "<img alt=\"long\" src=\"data:image/png;base64,"));
    assertTrue(html.endsWith("</body></html>\n"));
    // 4999 drawable points (one NaN) thinned to Chart.MAX_POINTS = 2000: 1000 buckets of about 5
    // consecutive points, each keeping its distinct lowest and highest value
    assertEquals(2000, Plot.xy(c, true).getSeriesMap().get("run").getXData().length);
  }
}

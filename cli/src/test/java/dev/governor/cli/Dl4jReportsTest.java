package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.report.Grid;
import dev.governor.report.HtmlPage;
import dev.governor.trainers.TrainingResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo report's pieces: the conclusion, the grid of what varies, the settings column. */
class Dl4jReportsTest {

  /** A 400-step run: lr decays linearly from lr0 (or stays), clip infinite, no weight decay. */
  private static TrainingResult run(String policy, double lr0, boolean decay, double acc) {
    int n = 400;
    double[] loss = new double[n];
    double[] lr = new double[n];
    double[] clip = new double[n];
    for (int i = 0; i < n; i++) {
      loss[i] = 2.0 / (1 + i);
      lr[i] = decay ? lr0 * (1 - i / (double) n) : lr0;
      clip[i] = Double.POSITIVE_INFINITY;
    }
    return new TrainingResult(
        "synthetic",
        "mlp",
        "adam",
        policy,
        lr0,
        2,
        n,
        acc,
        loss[n - 1],
        false,
        1,
        400,
        loss,
        lr,
        clip,
        new double[n],
        new double[] {acc / 2, acc},
        new double[] {1, 0.5},
        List.of(),
        null,
        null,
        null);
  }

  private static Map<String, List<Dl4jReports.Labelled>> groups() {
    Map<String, List<Dl4jReports.Labelled>> g = new LinkedHashMap<>();
    g.put(
        "initial lr 1e-04",
        List.of(
            new Dl4jReports.Labelled("pi", run("pi(lr=1e-4)", 1e-4, true, 0.90)),
            new Dl4jReports.Labelled("constant", run("constant(lr=1e-4)", 1e-4, false, 0.60))));
    g.put(
        "initial lr 1e-03",
        List.of(
            new Dl4jReports.Labelled("pi", run("pi(lr=1e-3)", 1e-3, true, 0.92)),
            new Dl4jReports.Labelled("constant", run("constant(lr=1e-3)", 1e-3, false, 0.92))));
    return g;
  }

  /** Means over the two groups: pi (0.90 + 0.92) / 2 = 0.91, constant (0.60 + 0.92) / 2 = 0.76. */
  @Test
  void conclusionNamesBestWorstAndSpreadPerGroupThenTheMeans() {
    List<String> c = Dl4jReports.conclusion(groups());
    assertEquals(
        List.of(
            "Best vs worst test accuracy — initial lr 1e-04: pi 0.9000 vs constant 0.6000 (spread"
                + " 0.3000); initial lr 1e-03: every run 0.9200.",
            "Mean test accuracy over the 2 groups: pi 0.9100, constant 0.7600."),
        c);
  }

  /**
   * Drawn: accuracy (varies per epoch), loss, lr (pi's decays; the constant policy's is constant
   * and is written under the chart) in both rows = 6 images; clip (infinite throughout) and weight
   * decay (0 throughout) are constant in every run and not drawn.
   */
  @Test
  void gridDrawsOnlyWhatVaries() {
    Grid g = Dl4jReports.grid(groups());
    String html = new HtmlPage("demo").grid(g).html();
    assertEquals(6, html.split("<img ", -1).length - 1);
    assertTrue(html.contains("<th>learning rate</th>"), html);
    assertFalse(html.contains("<th>clip threshold</th>"));
    assertFalse(html.contains("<th>weight decay</th>"));
    assertTrue(html.contains("<span class=\"note\">constant: constant 0.0001000</span>"), html);
    assertTrue(
        html.contains(
            "Not drawn, constant in every run: clip threshold (Infinity); weight decay"
                + " (0.000)."),
        html);
  }

  @Test
  void settingTextIsTheValueWhenConstantElseTheRange() {
    double[] inf = new double[3];
    Arrays.fill(inf, Double.POSITIVE_INFINITY);
    assertEquals("inf", Dl4jReports.settingText(inf));
    assertEquals("0.00", Dl4jReports.settingText(new double[3]));
    assertEquals("0.00100..0.0100", Dl4jReports.settingText(new double[] {1e-2, 1e-3, 5e-3}));
  }
}

package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class GainsSuiteTest {

  @Test
  void sobolIndicesOfTheIshigamiFunction() {
    // f = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1 on [−π, π]³ (Ishigami & Homma 1990). Closed forms
    // (a = 7, b = 0.1): V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 = 13.8446; V1 = ½(1 + bπ⁴/5)² = 4.34589;
    // V2 = a²/8 = 6.125; V13 = b²π⁸(1/18 − 1/50) = 3.37370; so S = (0.31391, 0.44241, 0) and
    // S_T = ((V1 + V13)/V, V2/V, V13/V) = (0.55759, 0.44241, 0.24368).
    double[][] idx =
        Sensitivity.of(
            u -> {
              double x1 = Math.PI * (2 * u[0] - 1);
              double x2 = Math.PI * (2 * u[1] - 1);
              double x3 = Math.PI * (2 * u[2] - 1);
              double s2 = Math.sin(x2);
              return Math.sin(x1) + 7 * s2 * s2 + 0.1 * Math.pow(x3, 4) * Math.sin(x1);
            },
            3,
            8192);
    double[] s = {0.31391, 0.44241, 0.0};
    double[] st = {0.55759, 0.44241, 0.24368};
    for (int i = 0; i < 3; i++) {
      assertEquals(s[i], idx[0][i], 0.03, "S_" + (i + 1));
      assertEquals(st[i], idx[1][i], 0.03, "S_T" + (i + 1));
    }
  }

  @Test
  void sobolIndicesOfALinearModel() {
    // f = x1 + 2 x2 + 3 x3 on [0, 1]³: V_i = c_i²/12, no interactions, S_i = S_Ti = c_i²/Σc² =
    // (1, 4, 9)/14
    double[][] idx = Sensitivity.of(u -> u[0] + 2 * u[1] + 3 * u[2], 3, 4096);
    double[] want = {1 / 14.0, 4 / 14.0, 9 / 14.0};
    for (int i = 0; i < 3; i++) {
      assertEquals(want[i], idx[0][i], 0.01);
      assertEquals(want[i], idx[1][i], 0.01);
    }
    // and the estimator has power: a model without x1 gives S_1 = S_T1 = 0
    double[][] none = Sensitivity.of(u -> 2 * u[1] + 3 * u[2], 3, 1024);
    assertEquals(0, none[0][0], 1e-12);
    assertEquals(0, none[1][0], 1e-12);
  }

  @Test
  void designShapeAndBadArguments() {
    double[][] x = Sensitivity.design(3, 8);
    assertEquals(8 * 5, x.length);
    for (int j = 0; j < 8; j++) {
      // A_B^(1) row j = A row j with column 1 from B row j
      assertEquals(x[8 + j][1], x[3 * 8 + j][1]);
      assertEquals(x[j][0], x[3 * 8 + j][0]);
      assertEquals(x[j][2], x[3 * 8 + j][2]);
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Sensitivity.indices(new double[7], 3, 8));
    assertTrue(e.getMessage().contains("40"), e.getMessage());
  }

  @Test
  void spearmanOfAKnownRanking() {
    // ranks (1..5) vs (2, 1, 4, 3, 5): Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8
    assertEquals(
        0.8,
        Stats.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {20, 10, 40, 30, 50}),
        1e-12);
    // a monotone but non-linear map keeps ρ = 1; reversing gives −1
    assertEquals(
        1.0, Stats.spearman(new double[] {1, 2, 3, 4}, new double[] {1, 8, 27, 64}), 1e-12);
    assertEquals(-1.0, Stats.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
  }

  @Test
  void quickSuiteHasTheSchema() {
    Outcome o = GainsSuite.run(true, 1, Runner.of(2, null));
    JsonNode s = o.summary();
    assertEquals("gains", s.get("suite").asText());
    int n = s.get("sobol_n").asInt();
    assertEquals(n * (GainsSuite.NAMES.length + 2), s.get("samples").size());
    for (String g : GainsSuite.NAMES) {
      JsonNode i = s.get("sobol_indices").get(g);
      assertTrue(i.has("first_order") && i.has("total"), g);
      assertTrue(s.get("tuned").has(g) && s.get("defaults").has(g), g);
    }
    JsonNode t = s.get("transfer");
    assertTrue(t.get("spearman_train_vs_held_out").isNumber());
    double rho = t.get("spearman_train_vs_held_out").asDouble();
    assertTrue(rho >= -1 && rho <= 1);
    assertEquals(
        rho >= GainsSuite.MIN_SPEARMAN
            && t.get("held_out_geomean_steps_improvement_over_defaults").asDouble()
                >= GainsSuite.MIN_GAIN,
        t.get("holds").asBoolean());
    for (String p : List.of("pi-defaults-held-out", "pi-tuned-held-out")) {
      assertTrue(s.get("policies").get(p).has("median_steps_to_target"), p);
    }
    // the tuned gains are the training optimum among the samples
    double best = Double.POSITIVE_INFINITY;
    for (JsonNode x : s.get("samples")) {
      best = Math.min(best, x.get("training_outcome").asDouble());
    }
    assertEquals(best, s.get("tuned").get("training_outcome").asDouble(), 1e-12);
  }
}

package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.cli.TestRuns.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code governor lr-find} on the noisy quadratic, whose λ<sub>max</sub> is set by {@code
 * --lambda-max} and whose SGD edge of stability is {@code 2/λ}.
 *
 * <p>Why the estimates land within a factor of 2. The sweep multiplies the LR by {@code r =
 * (end/start)^(1/(n−1))} per step. Past the edge the top direction grows by {@code |1 − ηλ| = 2r^k
 * − 1} per step ({@code k} steps past it), so its share of the loss grows by {@code ∏ (2r^k − 1)² ≈
 * exp(2k² ln r)}; the sweep stops once that reaches the growth {@code F} the stop rule needs (from
 * a ~1 % share of the loss at the edge to well above 4× the minimum through the β = 0.98 smoothing:
 * {@code F ≈ 1e4}), after {@code k ≈ √(ln F/(2 ln r))} steps. So the LR that blew the loss up
 * overshoots the edge by {@code r^k = exp(√(ln F·ln r/2))}: 2.5 for the default sweep (r = 1.205),
 * 1.35 for 1000 steps (r = 1.0186) — hence 2/(stop LR) is within 2 of λ<sub>max</sub> only for the
 * finer sweep (measured 0.42 and 0.78 at λ = 1). The reported λ̂ = 2/η* uses the blow-up's growth
 * {@code ρ = L_j/L_{j−1}}: with the loss {@code c + A·e²} and {@code e} growing by {@code q =
 * η_{j−1}λ − 1} per step, {@code 1 ≤ √ρ ≤ q}, so {@code 2/η_{j−1} ≤ λ̂ = (1 + √ρ)/η_{j−1} ≤ λ}:
 * never above λ<sub>max</sub> and never below the stop estimate, and equal to λ<sub>max</sub> once
 * the top direction dominates (measured 0.973 at λ = 1, 3.98 at λ = 4, seed 1).
 */
class LrFindCommandTest {
  @TempDir Path tmp;

  static JsonNode summary(Path dir) throws Exception {
    return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
  }

  @Test
  void estimatesLambdaMaxWithinAFactorOfTwo() throws Exception {
    for (double lambda : new double[] {1, 4}) {
      Path dir = tmp.resolve("l" + lambda);
      Result r =
          TestRuns.run(
              "lr-find", "--problem", "nqm", "--lambda-max", "" + lambda, "--out", dir.toString());
      assertEquals(0, r.code(), r.err());
      JsonNode s = summary(dir);
      assertEquals(lambda, s.get("lambda_max_true").asDouble(), 0.0);
      assertTrue(s.get("diverged").asBoolean());
      double est = s.get("lambda_max_estimate").asDouble();
      double fromStop = s.get("lambda_max_from_stop").asDouble();
      assertTrue(est > lambda / 2 && est < 2 * lambda, "λ̂ " + est + " for λ " + lambda);
      assertTrue(est <= lambda * 1.05 && est >= fromStop, "2/η_stop <= λ̂ <= λ: " + est);
      assertTrue(fromStop < lambda / 2, "the stop LR overshoots by ~2.5: " + fromStop);
      assertEquals(
          s.get("curve").get("lr").size(), s.get("stop_step").asInt() + 1, "curve ends at stop");
      assertTrue(r.out().contains("lambda_max ~ 2/eta* = "), r.out());
      assertTrue(r.out().contains("suggested lr (valley): "), r.out());
      String html = Files.readString(dir.resolve("report.html"));
      assertTrue(html.contains("data:image/png;base64,") && html.contains("Loss vs learning rate"));
    }
  }

  @Test
  void aFinerSweepBringsTheStopEstimateWithinAFactorOfTwo() throws Exception {
    Path dir = tmp.resolve("fine");
    Result r =
        TestRuns.run(
            "lr-find", "--lambda-max", "1", "--sweep-steps", "1000", "--out", dir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(dir);
    double fromStop = s.get("lambda_max_from_stop").asDouble();
    // bound exp(√(ln 1e4 · ln(1e8)/999 / 2)) = 1.35: 2/η_stop >= 0.74 (measured 0.78)
    assertTrue(fromStop > 0.6 && fromStop <= 1, "2/η_stop " + fromStop);
    assertTrue(Math.abs(s.get("lambda_max_estimate").asDouble() - 1) < 0.05);
  }

  @Test
  void aSweepThatStaysStableSaysSo() throws Exception {
    Path dir = tmp.resolve("stable");
    Result r = TestRuns.run("lr-find", "--end-lr", "0.1", "--out", dir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(dir);
    assertFalse(s.get("diverged").asBoolean());
    assertEquals("NaN", s.get("lambda_max_estimate").textValue()); // report's Json encoding
    assertEquals(100, s.get("curve").get("lr").size());
    assertTrue(r.out().contains("did not blow up up to lr 0.1000"), r.out());
    assertTrue(r.out().contains("lambda_max < 20.00 for sgd"), r.out());
  }

  @Test
  void momentumUsesItsStabilityBoundAndAdamHasNone() throws Exception {
    Path dir = tmp.resolve("m");
    Result r = TestRuns.run("lr-find", "--optimizer", "momentum", "--out", dir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(dir);
    assertEquals(
        "NaN", s.get("lambda_max_estimate").textValue(), "the growth estimate is for plain SGD");
    double stop = s.get("lambda_max_from_stop").asDouble();
    // 2(1 + 0.9)/η_stop: below λ = 1 by the overshoot, as for SGD
    assertEquals(3.8 / s.get("divergence_lr").asDouble(), stop, 1e-12);
    assertTrue(stop > 0.3 && stop < 1, "" + stop);
    // the optimizer's own β: 2(1 + 0.5)/η_stop
    Path half = tmp.resolve("m5");
    r = TestRuns.run("lr-find", "--optimizer", "momentum(beta=0.5)", "--out", half.toString());
    assertEquals(0, r.code(), r.err());
    s = summary(half);
    assertEquals("momentum(beta=0.5)", s.get("optimizer").asText());
    assertEquals(
        3.0 / s.get("divergence_lr").asDouble(), s.get("lambda_max_from_stop").asDouble(), 1e-12);
    r = TestRuns.run("lr-find", "--optimizer", "adam", "--out", tmp.resolve("a").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("NaN", summary(tmp.resolve("a")).get("lambda_max_from_stop").textValue());
  }

  private static void oneLineExit2(Result r, String expected) {
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
  }

  @Test
  void badFlagsAreOneLineNamingTheFlagAndValue() {
    String out = tmp.resolve("bad").toString();
    oneLineExit2(
        TestRuns.run("lr-find", "--sweep-steps", "3", "--out", out),
        "--sweep-steps must be in [6, 1000000], but was 3");
    oneLineExit2(
        TestRuns.run("lr-find", "--end-lr", "1e-9", "--out", out),
        "--end-lr must be finite and > --start-lr=1.0E-7, but was 1.0E-9");
    oneLineExit2(
        TestRuns.run("lr-find", "--suggest", "median", "--out", out),
        "--suggest must be valley, steepest or minimum, but was 'median'");
    oneLineExit2(
        TestRuns.run("lr-find", "--beta", "1", "--out", out),
        "--beta must be in [0, 1), but was 1.0");
    oneLineExit2(
        TestRuns.run("lr-find", "--optimizer", "lion", "--out", out),
        "--optimizer must be one of sgd, momentum, adam, adamw, sf-sgd");
    oneLineExit2(
        TestRuns.run("lr-find", "--optimizer", "momentum(beta=2)", "--out", out), "--optimizer");
    oneLineExit2(
        TestRuns.run("lr-find", "--problem", "rosenbrock", "--lambda-max", "2", "--out", out),
        "--lambda-max does not apply to --problem rosenbrock");
    assertFalse(Files.exists(tmp.resolve("bad")), "nothing written");
  }
}

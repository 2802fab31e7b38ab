package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * One synthetic run of each kind, 400 steps each. The healthy loss is {@code 2 e^{−t/100} + 0.1 +
 * 0.01 sin t} at a constant LR 1e-3, sharpness 500 (η·λ̂ = 0.5), relative updates 1e-4, no clip,
 * validation losses falling; the others change one thing. References by NumPy (the script's
 * formulas are given with each number).
 */
class DiagnosisTest {
  static final int N = 400;

  static double healthy(int t) {
    return 2 * Math.exp(-t / 100.0) + 0.1 + 0.01 * Math.sin(t);
  }

  record Run(
      IntToDoubleFunction loss,
      IntToDoubleFunction lr,
      IntToDoubleFunction update,
      IntToDoubleFunction sharpness,
      IntToDoubleFunction val) {}

  static Run healthyRun() {
    return new Run(
        DiagnosisTest::healthy,
        t -> 1e-3,
        t -> 1e-3,
        t -> 500,
        t -> t % 50 == 0 ? healthy(t) + 0.05 : Double.NaN);
  }

  static List<Observation> observations(Run r) {
    List<Observation> out = new ArrayList<>();
    for (int t = 0; t < N; t++) {
      out.add(
          Observation.builder(t)
              .loss(r.loss().applyAsDouble(t))
              .gradNorm(1)
              .paramNorm(10)
              .updateNorm(r.update().applyAsDouble(t))
              .sharpness(r.sharpness().applyAsDouble(t))
              .valLoss(r.val().applyAsDouble(t))
              .batchSize(32)
              .lr(r.lr().applyAsDouble(t))
              .clip(Double.POSITIVE_INFINITY)
              .weightDecay(0)
              .build());
    }
    return out;
  }

  static Diagnosis.Verdict only(List<Diagnosis.Verdict> v, String kind) {
    assertEquals(1, v.size(), v.toString());
    assertEquals(kind, v.get(0).kind(), v.toString());
    for (double x : v.get(0).numbers().values()) {
      assertTrue(Double.isFinite(x), v.toString());
    }
    return v.get(0);
  }

  @Test
  void aHealthyRunGetsNoVerdictEvenWhenItsLrDecaysToAFloor() {
    assertEquals(List.of(), Diagnosis.diagnose(observations(healthyRun()), 0));
    // a schedule that ends at 1e-6 with the loss plateaued low (q4 / q1 = 0.119 < 0.5)
    Run h = healthyRun();
    Run decayed = new Run(h.loss(), t -> t < 300 ? 1e-3 : 1e-6, t -> 1e-7, h.sharpness(), h.val());
    assertEquals(List.of(), Diagnosis.diagnose(observations(decayed), 0));
  }

  @Test
  void aFlatRunWithTinyUpdatesIsUnderFitting() {
    // loss 2.3 + 0.01 sin t at LR 1e-7, |dθ|/|θ| = 1e-8. NumPy: q1 = 2.3000379194627443,
    // q3 = 2.3000529348595125, q4 = 2.3000386132213801, q4/q3 - 1 = -6.2266558804591199e-06
    Run h = healthyRun();
    Run flat =
        new Run(
            t -> 2.3 + 0.01 * Math.sin(t), t -> 1e-7, t -> 1e-7, h.sharpness(), t -> Double.NaN);
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(flat), 0), "under-fitting");
    assertEquals(2.3000379194627443, v.numbers().get("loss_q1"), 1e-12);
    assertEquals(2.3000529348595125, v.numbers().get("loss_q3"), 1e-12);
    assertEquals(2.3000386132213801, v.numbers().get("loss_q4"), 1e-12);
    assertEquals(-6.2266558804591199e-06, v.numbers().get("loss_change_q3_q4"), 1e-12);
    assertEquals(1e-8, v.numbers().get("median_relative_update_q4"), 1e-20);
    assertTrue(v.finding().contains("tiny"), v.finding());
    // the same loss with the LR cut to a floor at step 100 (updates 1e-4 relative, not tiny)
    Run floor =
        new Run(flat.loss(), t -> t < 100 ? 1e-2 : 1e-5, t -> 1e-3, h.sharpness(), flat.val());
    Diagnosis.Verdict f = only(Diagnosis.diagnose(observations(floor), 0), "under-fitting");
    assertEquals(1e-5, f.numbers().get("lr_q4"), 1e-18);
    assertEquals(1e-2, f.numbers().get("lr_max"), 1e-15);
    assertTrue(f.finding().contains("floor"), f.finding());
    // with healthy updates and a constant LR the flat loss is not called under-fitting
    Run flatOk = new Run(flat.loss(), t -> 1e-3, t -> 1e-3, h.sharpness(), flat.val());
    assertEquals(List.of(), Diagnosis.diagnose(observations(flatOk), 0));
  }

  @Test
  void risingValidationLossWithFallingTrainingLossIsOverFitting() {
    // val 0.6 + 1e-5 (t - 200)^2 every 20 steps: minimum 0.6 at 200, last 0.924 at 380. Training
    // loss = mean of the 50 losses up to the step: NumPy 0.44944951240913189 at 200,
    // 0.15778628982571954 at 380.
    Run h = healthyRun();
    Run over =
        new Run(
            h.loss(),
            h.lr(),
            h.update(),
            h.sharpness(),
            t -> t % 20 == 0 ? 0.6 + 1e-5 * (t - 200) * (t - 200) : Double.NaN);
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(over), 0), "over-fitting");
    assertEquals(0.6, v.numbers().get("val_loss_min"), 1e-15);
    assertEquals(200, v.numbers().get("val_loss_min_step"), 0);
    assertEquals(0.924, v.numbers().get("val_loss_last"), 1e-12);
    assertEquals(380, v.numbers().get("val_loss_last_step"), 0);
    assertEquals(0.44944951240913189, v.numbers().get("train_loss_at_min"), 1e-12);
    assertEquals(0.15778628982571954, v.numbers().get("train_loss_last"), 1e-12);
    assertEquals(0.924 - 0.15778628982571954, v.numbers().get("gap_last"), 1e-12);
    assertTrue(v.advice().contains("step 200"), v.advice());
  }

  @Test
  void spikesAndGuardActionsAreInstability() {
    // every 40th loss (t = 39, 79, ..., 399) five times the healthy one: NumPy counts 10 spikes
    // (z > 4 against the previous 50 losses, sample sd), 10 / 400 = 0.025 of the steps
    Run h = healthyRun();
    Run spiky =
        new Run(
            t -> healthy(t) * (t % 40 == 39 ? 5 : 1), h.lr(), h.update(), h.sharpness(), h.val());
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(spiky), 0), "instability");
    assertEquals(10, v.numbers().get("spikes"), 0);
    assertEquals(0.025, v.numbers().get("spike_rate"), 1e-15);
    // a healthy run with three guard actions (0.75 % of its steps) is unstable too; with two it
    // is not
    Diagnosis.Verdict g = only(Diagnosis.diagnose(observations(h), 3), "instability");
    assertEquals(3, g.numbers().get("guard_actions"), 0);
    assertEquals(0, g.numbers().get("spikes"), 0);
    assertTrue(g.finding().startsWith("3 guard actions (0.75 % of steps)"), g.finding());
    assertEquals(List.of(), Diagnosis.diagnose(observations(h), 2));
  }

  @Test
  void lrTimesSharpnessAboveTwoIsLrTooHigh() {
    // LR 0.01, sharpness 300: η·λ̂ = 3 at every step; the LR that gives 1 is 0.01 / 3
    Run h = healthyRun();
    Run hot = new Run(h.loss(), t -> 0.01, t -> 0.01, t -> 300, h.val());
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(hot), 0), "lr-too-high");
    assertEquals(3, v.numbers().get("median_lr_sharpness"), 1e-12);
    assertEquals(1, v.numbers().get("fraction_above_2"), 0);
    assertEquals(N, v.numbers().get("steps_measured"), 0);
    assertEquals(0.01 / 3, v.numbers().get("suggested_lr"), 1e-15);
    // at the edge itself (η·λ̂ = 2) there is no verdict
    Run edge = new Run(h.loss(), t -> 0.01, t -> 0.01, t -> 200, h.val());
    assertEquals(List.of(), Diagnosis.diagnose(observations(edge), 0));
  }

  @Test
  void nonFiniteLossesAreFaultsAndLeftOutOfTheTrends() {
    Run h = healthyRun();
    Run nan =
        new Run(
            t -> t == 123 ? Double.NaN : healthy(t), h.lr(), h.update(), h.sharpness(), h.val());
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(nan), 0), "instability");
    assertEquals(1, v.numbers().get("faults"), 0);
    assertEquals(List.of(), Diagnosis.diagnose(List.of(), 0));
  }

  /**
   * A loss that falls slowly and steadily, {@code 2.3 − 0.0005 t + 0.005 sin t}, at LR 1e-5 with
   * sharpness 500: η·λ̂ = 0.005, a four-hundredth of the edge. NumPy: quarter means q1 =
   * 2.275268959731372, q3 = 2.175276467429756, q4 = 2.1252693066106896, relative fall (q3 − q4) /
   * q3 = 0.022988875928103725 (between 1 % and 10 %); the LR that gives η·λ̂ = 1 is 1e-5 / 0.005 =
   * 0.002.
   */
  @Test
  void aSlowlyFallingLossAtATinyLrTimesSharpnessIsLrTooLow() {
    Run h = healthyRun();
    IntToDoubleFunction slow = t -> 2.3 - 0.0005 * t + 0.005 * Math.sin(t);
    Run low = new Run(slow, t -> 1e-5, t -> 1e-5, h.sharpness(), t -> Double.NaN);
    Diagnosis.Verdict v = only(Diagnosis.diagnose(observations(low), 0), "lr-too-low");
    assertEquals(0.005, v.numbers().get("median_lr_sharpness"), 1e-15);
    assertEquals(2.275268959731372, v.numbers().get("loss_q1"), 1e-12);
    assertEquals(2.175276467429756, v.numbers().get("loss_q3"), 1e-12);
    assertEquals(2.1252693066106896, v.numbers().get("loss_q4"), 1e-12);
    assertEquals(0.022988875928103725, v.numbers().get("relative_fall_q3_q4"), 1e-12);
    assertEquals(0.002, v.numbers().get("suggested_lr"), 1e-15);
    assertTrue(v.advice().contains("0.002"), v.advice());
    // the same loss at LR 1e-3 (η·λ̂ = 0.5): no verdict
    Run ok = new Run(slow, t -> 1e-3, t -> 1e-3, h.sharpness(), t -> Double.NaN);
    assertEquals(List.of(), Diagnosis.diagnose(observations(ok), 0));
    // η·λ̂ = 0.005 with the healthy loss (q4 is 0.119 of q1 and 40 % below q3): none
    Run fast = new Run(h.loss(), t -> 1e-5, t -> 1e-5, h.sharpness(), h.val());
    assertEquals(List.of(), Diagnosis.diagnose(observations(fast), 0));
    // η·λ̂ = 0.06, just above the 0.05 threshold: none
    Run near = new Run(slow, t -> 1.2e-4, t -> 1e-5, h.sharpness(), t -> Double.NaN);
    assertEquals(List.of(), Diagnosis.diagnose(observations(near), 0));
  }
}

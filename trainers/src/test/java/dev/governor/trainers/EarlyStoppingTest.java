package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The early-stopping rule on hand-made evaluation sequences. The expected stops are worked out in
 * the comments by Keras' rule (improvement = better than the best by more than min-delta; stop when
 * the evaluations since the best reach the patience) and checked by a ten-line Python transcription
 * of {@code keras.callbacks.EarlyStopping.on_epoch_end}, which gives the same indices.
 */
class EarlyStoppingTest {

  /** Feeds val[i] at step 10·i (train loss 1 at every step), returns the index it stopped at. */
  private static int run(EarlyStopping es, double[] val, double[] acc) {
    for (int i = 0; i < val.length; i++) {
      for (int k = 1; k < 10; k++) {
        assertFalse(es.observe(10L * i - 10 + k, 1.0, Double.NaN, Double.NaN));
      }
      if (es.observe(10L * i, 1.0, val[i], acc == null ? Double.NaN : acc[i])) {
        return i;
      }
    }
    return -1;
  }

  private static final double[] VAL = {1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.73, 0.74, 0.75, 0.76};

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovement() {
    // min-delta 0: improvements at 0, 1, 2, 4 (0.69 < 0.7); 5, 6, 7 do not improve: with
    // patience 3 the run stops at index 7, best 0.69 at index 4 (step 40)
    EarlyStopping es = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=3)"));
    assertEquals(7, run(es, VAL, null));
    EarlyStopping.Status s = es.status();
    assertTrue(s.stopped());
    assertEquals(70, s.stopStep());
    assertEquals(40, s.bestStep());
    assertEquals(0.69, s.best(), 0);
    assertEquals(0.69, s.bestValLoss(), 0);
    assertEquals(8, s.evaluations());
    assertTrue(
        s.reason().startsWith("val-loss did not improve by more than 0.0 for 3"), s.reason());
    // after the stop nothing changes
    assertTrue(es.observe(80, 1.0, 0.1, Double.NaN));
    assertEquals(s, es.status());
  }

  @Test
  void minDeltaRaisesTheBarForAnImprovement() {
    // min-delta 0.02: 0.8 < 1.0 − 0.02 and 0.7 < 0.8 − 0.02 improve; 0.72, 0.69 (not < 0.68),
    // 0.71 do not: patience 3 stops at index 5 with the best 0.7 at index 2
    EarlyStopping es =
        new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=3, min-delta=0.02)"));
    assertEquals(5, run(es, VAL, null));
    assertEquals(20, es.status().bestStep());
    assertEquals(0.7, es.status().best(), 0);
  }

  @Test
  void accuracyIsBetterWhenHigher() {
    // accuracy 0.5, 0.6, 0.7, 0.65, 0.7, 0.68: the best 0.7 at index 2 (the later 0.7 is not
    // better); patience 3 stops at index 5. The val losses are ignored for the decision but the
    // best one's is kept.
    double[] acc = {0.5, 0.6, 0.7, 0.65, 0.7, 0.68, 0.9};
    double[] val = {2, 3, 4, 5, 6, 7, 8};
    EarlyStopping es = new EarlyStopping(EarlyStopping.Config.parse("val-accuracy(patience=3)"));
    assertEquals(5, run(es, val, acc));
    assertEquals(20, es.status().bestStep());
    assertEquals(0.7, es.status().best(), 0);
    assertEquals(4.0, es.status().bestValLoss(), 0);
  }

  @Test
  void theEndOfBudgetEvaluationCanBecomeTheBestButNeverStops() {
    // VAL[0..5] = 1.0 0.8 0.7 0.72 0.69 0.71 at steps 0..50 with patience 3: best 0.69 at 40, one
    // evaluation since (no stop). The final model at step 60: 0.65 < 0.69 improves (best at 60);
    // 0.70 does not, and although it is the 2nd evaluation without improvement (patience 2) the
    // run is not stopped by it
    double[] head = {1.0, 0.8, 0.7, 0.72, 0.69, 0.71};
    EarlyStopping es = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=3)"));
    assertEquals(-1, run(es, head, null));
    assertTrue(es.observeFinal(60, 0.65, Double.NaN));
    assertTrue(es.improved());
    EarlyStopping.Status s = es.status();
    assertEquals(60, s.bestStep());
    assertEquals(0.65, s.best(), 0);
    assertEquals(7, s.evaluations());
    assertFalse(s.stopped());

    EarlyStopping p2 = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=2)"));
    assertEquals(-1, run(p2, head, null));
    assertFalse(p2.observeFinal(60, 0.70, Double.NaN));
    assertFalse(p2.stopped());
    assertEquals(40, p2.status().bestStep());
    assertEquals(7, p2.status().evaluations());
    // a NaN (not measured) or a step below the warm-up is not counted
    EarlyStopping w = new EarlyStopping(EarlyStopping.Config.parse("val-loss(warm-up=100)"));
    assertEquals(-1, run(w, head, null));
    assertFalse(w.observeFinal(60, 0.1, Double.NaN));
    assertEquals(0, w.status().evaluations());
    assertFalse(es.observeFinal(70, Double.NaN, Double.NaN));
    assertEquals(7, es.status().evaluations());
    // accuracy: higher is better, by more than min-delta
    EarlyStopping a =
        new EarlyStopping(EarlyStopping.Config.parse("val-accuracy(patience=5, min-delta=0.01)"));
    assertEquals(-1, run(a, head, new double[] {0.5, 0.6, 0.7, 0.65, 0.7, 0.68}));
    assertFalse(a.observeFinal(60, 0.3, 0.705)); // not above 0.7 + 0.01
    assertTrue(a.observeFinal(70, 0.3, 0.75));
    assertEquals(70, a.status().bestStep());
    // after a stop it changes nothing
    EarlyStopping st = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=3)"));
    assertEquals(7, run(st, VAL, null));
    EarlyStopping.Status before = st.status();
    assertFalse(st.observeFinal(100, 0.01, Double.NaN));
    assertEquals(before, st.status());
  }

  @Test
  void warmUpEvaluationsAreNotCounted() {
    // a low loss at step 0 (index 0) before the warm-up of 15 steps would otherwise be the best;
    // counted from index 2 (step 20): 0.9, 0.8, 0.85, 0.86 → best 0.8 at index 3, stop at index 5
    double[] val = {0.1, 0.2, 0.9, 0.8, 0.85, 0.86, 0.87};
    EarlyStopping es =
        new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=2, warm-up=15)"));
    assertEquals(5, run(es, val, null));
    assertEquals(30, es.status().bestStep());
    assertEquals(4, es.status().evaluations());
    // without the warm-up: best 0.1 at index 0, stop at index 2
    EarlyStopping plain = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=2)"));
    assertEquals(2, run(plain, val, null));
  }

  @Test
  void nonFiniteValuesNeverImproveAndNanMeansNotMeasured() {
    EarlyStopping es = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=2)"));
    assertFalse(es.observe(0, 1, 0.5, Double.NaN));
    assertFalse(es.observe(1, 1, Double.NaN, Double.NaN)); // not measured: not counted
    assertEquals(1, es.status().evaluations());
    assertFalse(es.observe(2, 1, Double.POSITIVE_INFINITY, Double.NaN));
    assertTrue(es.observe(3, Double.NaN, Double.POSITIVE_INFINITY, Double.NaN));
    assertEquals(0, es.status().bestStep());
    // a first evaluation that is not finite is no best
    EarlyStopping inf = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=1)"));
    assertTrue(inf.observe(0, 1, Double.POSITIVE_INFINITY, Double.NaN));
    assertEquals(-1, inf.status().bestStep());
  }

  /**
   * The gap criterion: the gap is the step's validation minus training loss (the weight-decay
   * loop's measurement), the interval's training loss the mean of the losses since the previous
   * evaluation.
   */
  @Test
  void gapCriterionStopsWhenTheGapRisesWhileTheTrainingLossFalls() {
    EarlyStopping es = new EarlyStopping(EarlyStopping.Config.parse("gap(patience=3)"));
    // evaluations every 4 steps; train loss 1 − 0.01·t, val loss 1.0, 0.95, 0.94, 0.95, 0.97, 1.0
    // gaps (val − train at the evaluation step t = 4i): 0, −0.01, 0.02, 0.07, 0.13, 0.2; the
    // interval means (1, 0.975, 0.935, 0.895, 0.855) fall at every evaluation; the gap rises at
    // i = 2, 3, 4 → stop at step 16
    double[] val = {1.0, 0.95, 0.94, 0.95, 0.97, 1.0, 1.1};
    int stoppedAt = -1;
    for (int t = 0; t <= 24 && stoppedAt < 0; t++) {
      double v = t % 4 == 0 ? val[t / 4] : Double.NaN;
      if (es.observe(t, 1 - 0.01 * t, v, Double.NaN)) {
        stoppedAt = t;
      }
    }
    assertEquals(16, stoppedAt);
    assertTrue(es.status().reason().contains("rose at 3 evaluations"), es.status().reason());
    // the same rising gap with a training loss that rises too is no over-fitting
    EarlyStopping flat = new EarlyStopping(EarlyStopping.Config.parse("gap(patience=3)"));
    for (int t = 0; t <= 24; t++) {
      double v = t % 4 == 0 ? val[t / 4] + 0.02 * t : Double.NaN;
      assertFalse(flat.observe(t, 1 + 0.01 * t, v, Double.NaN), "step " + t);
    }
    // val-loss with gap=2: the gap stop comes first (val keeps improving: 0.9, 0.89, 0.88 ...,
    // train falls faster: gap −0.1, −0.08, −0.06 rises at i = 1, 2 → stop at step 8)
    EarlyStopping both =
        new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=5, gap=2)"));
    int stop = -1;
    for (int t = 0; t <= 40 && stop < 0; t++) {
      double v = t % 4 == 0 ? 0.9 - 0.0025 * t : Double.NaN;
      if (both.observe(t, 1 - 0.0075 * t, v, Double.NaN)) {
        stop = t;
      }
    }
    assertEquals(8, stop);
  }

  @Test
  void savedStateResumesToTheSameStop() {
    EarlyStopping.Config c = EarlyStopping.Config.parse("val-loss(patience=3, gap=4)");
    EarlyStopping a = new EarlyStopping(c);
    assertEquals(7, run(a, VAL, null));
    EarlyStopping b = new EarlyStopping(c);
    double[] head = java.util.Arrays.copyOf(VAL, 5);
    assertEquals(-1, run(b, head, null));
    Properties p = new Properties();
    b.save(p, "es.");
    EarlyStopping c2 = new EarlyStopping(c);
    c2.load(p, "es.");
    int stop = -1;
    for (int i = 5; i < VAL.length && stop < 0; i++) {
      for (int k = 1; k < 10; k++) {
        c2.observe(10L * i - 10 + k, 1.0, Double.NaN, Double.NaN);
      }
      if (c2.observe(10L * i, 1.0, VAL[i], Double.NaN)) {
        stop = i;
      }
    }
    assertEquals(7, stop);
    assertEquals(a.status(), c2.status());
    EarlyStopping other = new EarlyStopping(EarlyStopping.Config.parse("val-loss(patience=4)"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> other.load(p, "es."));
    assertTrue(e.getMessage().contains("but this run's is val-loss(patience=4"), e.getMessage());
  }

  @Test
  void specsParseAndRoundTrip() {
    EarlyStopping.Config c =
        EarlyStopping.Config.parse(
            "val-accuracy(patience=7, min-delta=0.001, warm-up=500, restore-best=false, gap=3)");
    assertEquals(EarlyStopping.Monitor.VAL_ACCURACY, c.monitor());
    assertEquals(7, c.patience());
    assertEquals(0.001, c.minDelta());
    assertEquals(500, c.warmUp());
    assertFalse(c.restoreBest());
    assertEquals(3, c.gapEvaluations());
    assertEquals(c, EarlyStopping.Config.parse(c.toString()));
    EarlyStopping.Config d = EarlyStopping.Config.parse("val-loss");
    assertEquals(EarlyStopping.Config.of(EarlyStopping.Monitor.VAL_LOSS), d);
    assertTrue(d.restoreBest());
    assertEquals(5, d.patience());
    assertEquals(4, EarlyStopping.Config.parse("gap(patience=4)").gapEvaluations());
  }

  private static String error(String spec) {
    return assertThrows(IllegalArgumentException.class, () -> EarlyStopping.Config.parse(spec))
        .getMessage();
  }

  @Test
  void badSpecsSayWhichKeyAndValue() {
    assertEquals(
        "early-stop monitor must be val-loss, val-accuracy or gap, but was 'loss'", error("loss"));
    assertEquals("early-stop patience must be >= 1, but was 0", error("val-loss(patience=0)"));
    assertEquals(
        "early-stop patience must be an integer, but was 'many'", error("val-loss(patience=many)"));
    assertEquals(
        "early-stop min-delta must be finite and >= 0, but was -0.1",
        error("val-loss(min-delta=-0.1)"));
    assertEquals(
        "early-stop min-delta must be finite and >= 0, but was NaN",
        error("val-loss(min-delta=NaN)"));
    assertEquals("early-stop warm-up must be >= 0, but was -5", error("val-loss(warm-up=-5)"));
    assertEquals(
        "early-stop restore-best must be true or false, but was 'maybe'",
        error("val-loss(restore-best=maybe)"));
    assertEquals(
        "early-stop option must be one of [gap, min-delta, patience, restore-best, warm-up], but"
            + " was 'patiense'",
        error("val-loss(patiense=3)"));
    assertEquals(
        "early-stop option must be key=value, but was 'patience'", error("val-loss(patience)"));
    assertEquals(
        "early-stop spec must be monitor or monitor(key=value, ...), but was 'val-loss(patience=3'",
        error("val-loss(patience=3"));
  }
}

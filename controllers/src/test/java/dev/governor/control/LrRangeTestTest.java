package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.LrRangeTest.Suggestion;
import org.junit.jupiter.api.Test;

/**
 * {@link LrRangeTest} on synthetic curves against a NumPy transliteration of fastai's {@code
 * LRFinder} / {@code AvgSmoothLoss} / {@code valley} / {@code steep} / {@code minimum}
 * (fastai/callback/schedule.py):
 *
 * <pre>
 * lrs  = [1e-5 * (1.0/1e-5)**(i/59) for i in range(60)]           # 60-point sweep
 * loss = 1.5 - tanh((log(lr) - log(1e-3))/0.8) + exp(3*(log(lr) - x1))
 * val = 0; best = inf
 * for i, L in enumerate(loss):                                      # record, then maybe stop
 *     val = L + beta*(val - L); s = val/(1 - beta**(i+1)); rec.append(s)
 *     best = min(best, s); if s > 4*best: break
 * window = rec[60//10 : -5]
 * valley: longest decreasing subsequence ... idx = start + int(k) + int(k/2), k = (end-start)/3
 * steep:  lrs[argmin(diff(window)/diff(log(lrs)))];  minimum: lrs[argmin(window)]/10
 * </pre>
 *
 * The tanh has its steepest point at lr = 1e-3 (between points 23 and 24), so without smoothing the
 * steepest segment starts at point 23, lr = 8.895e-4.
 */
class LrRangeTestTest {

  static final int N = 60;

  static LrRangeTest feed(double beta, double x1) {
    LrRangeTest t = new LrRangeTest(N, beta, 4.0);
    for (int i = 0; i < N; i++) {
      double lr = LrRangeTest.sweepLr(1e-5, 1.0, N, i);
      double x = Math.log(lr);
      double loss = 1.5 - Math.tanh((x - Math.log(1e-3)) / 0.8) + Math.exp(3 * (x - x1));
      if (t.add(lr, loss)) {
        break;
      }
    }
    return t;
  }

  static void check(
      LrRangeTest t, int size, double valley, double steep, double min10, double s20, double last) {
    assertEquals(size, t.size(), "points recorded");
    assertEquals(valley, t.suggest(Suggestion.VALLEY), 1e-12 * valley, "valley");
    assertEquals(steep, t.suggest(Suggestion.STEEPEST), 1e-12 * steep, "steepest");
    assertEquals(min10, t.suggest(Suggestion.MINIMUM), 1e-12 * min10, "minimum/10");
    assertEquals(s20, t.smoothedLoss(20), 1e-12, "smoothed loss at 20");
    assertEquals(last, t.smoothedLoss(size - 1), 1e-12, "smoothed loss at the end");
  }

  @Test
  void unsmoothedCurveHasItsSteepestSegmentAtTheTanhCentre() {
    LrRangeTest t = feed(0.0, Math.log(0.3));
    check(
        t,
        55,
        0.000602089449333613,
        0.0008895134973108236,
        0.0024537511066398164,
        2.2054684531461777,
        2.483581064914591);
    assertTrue(t.diverged(), "raw loss above 4x its minimum at point 54");
    assertEquals(54, t.stopIndex());
  }

  @Test
  void smoothedCurveThatNeverBlowsUp() {
    LrRangeTest t = feed(0.98, Math.log(0.3));
    check(
        t,
        60,
        0.0019414919457438813,
        0.0019414919457438813,
        0.02551406520031288,
        2.4546454145270724,
        3.3567223195682017);
    assertFalse(t.diverged());
    assertTrue(Double.isNaN(t.divergenceLr()));
    assertTrue(Double.isNaN(t.lambdaMax()));
  }

  @Test
  void blowUpStopsTheSweep() {
    LrRangeTest t = feed(0.98, Math.log(0.03));
    check(
        t,
        50,
        0.0008895134973108236,
        0.0019414919457438813,
        0.0029824712862168918,
        2.45464598721813,
        8.57996068275409);
    assertTrue(t.diverged());
    assertEquals(49, t.stopIndex());
    // the loss of point 49 was made by the update at point 48
    assertEquals(LrRangeTest.sweepLr(1e-5, 1.0, N, 48), t.divergenceLr(), 0.0);
    assertTrue(t.smoothedLoss(49) > 4 * t.minSmoothedLoss());
    assertEquals(1.5214010992173745, t.minSmoothedLoss(), 1e-12);
    LrRangeTest raw = feed(0.0, Math.log(0.03));
    check(
        raw,
        43,
        0.00033529241492495583,
        0.0008895134973108236,
        0.0007609496685459879,
        2.205472950400903,
        2.2646742230322063);
  }

  @Test
  void edgeOfAQuadraticBlowUpIsTwoOverLambda() {
    // past the edge the loss grows by exactly (η_{j−1}λ − 1)² per point (λ = 2, edge η = 1), flat
    // before it: 2η_{j−1}/(1 + √ρ) = 2/λ = 1 and λ̂ = 2, while 2/divergenceLr is far lower
    int n = 100;
    LrRangeTest t = new LrRangeTest(n, 0.98, 4.0);
    double loss = 1;
    for (int i = 0; i < n; i++) {
      double lr = LrRangeTest.sweepLr(1e-4, 10, n, i);
      if (t.add(lr, loss)) {
        break;
      }
      double grow = lr * 2 - 1;
      if (grow > 1) {
        loss *= grow * grow;
      }
    }
    assertTrue(t.diverged());
    assertEquals(1.0, t.edgeLr(), 1e-12);
    assertEquals(2.0, t.lambdaMax(), 1e-12);
    assertTrue(2 / t.divergenceLr() < 1.5, "the stop LR alone overshoots: " + t.divergenceLr());
  }

  @Test
  void nonFiniteLossStopsAndIsLeftOutOfTheSuggestion() {
    LrRangeTest t = new LrRangeTest(10, 0.98, 4.0);
    for (int i = 0; i < 8; i++) {
      assertFalse(t.add(LrRangeTest.sweepLr(1e-3, 1, 10, i), 2.0 - 0.1 * i));
    }
    assertTrue(t.add(LrRangeTest.sweepLr(1e-3, 1, 10, 8), Double.NaN));
    assertTrue(t.diverged());
    assertTrue(Double.isNaN(t.smoothedLoss(8)));
    // window [10/10, 9 − 5) = [1, 4) holds 3 points: minimum of a falling curve is its last
    assertEquals(LrRangeTest.sweepLr(1e-3, 1, 10, 3) / 10, t.suggest(Suggestion.MINIMUM), 1e-15);
    assertThrows(IllegalStateException.class, () -> t.add(1, 1));
    assertTrue(t.edgeLr() > 0);
  }

  @Test
  void sweepIsGeometricFromStartToEnd() {
    assertEquals(1e-7, LrRangeTest.sweepLr(1e-7, 10, 100, 0), 0.0);
    assertEquals(10, LrRangeTest.sweepLr(1e-7, 10, 100, 99), 1e-13);
    // ratio (1e8)^(1/99) per point
    double r = Math.pow(1e8, 1.0 / 99);
    assertEquals(
        r, LrRangeTest.sweepLr(1e-7, 10, 100, 51) / LrRangeTest.sweepLr(1e-7, 10, 100, 50), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> LrRangeTest.sweepLr(1, 0.5, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new LrRangeTest(10, 1.0, 4));
    assertThrows(IllegalArgumentException.class, () -> new LrRangeTest(10, 0.9, 1.0));
    assertEquals(Suggestion.STEEPEST, Suggestion.ofKey("steepest"));
  }
}

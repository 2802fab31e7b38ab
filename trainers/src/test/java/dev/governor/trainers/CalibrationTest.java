package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CalibrationTest {

  /**
   * Ten examples, three classes. Confidences (row maxima) 0.72 0.85 0.42 0.55 0.91 0.65 0.34 0.62
   * 0.72 0.95, argmax hits 1 1 0 1 1 0 0 1 0 1 (accuracy 0.6); no confidence lies on a bin edge.
   */
  static final double[][] P = {
    {0.72, 0.18, 0.10},
    {0.10, 0.85, 0.05},
    {0.30, 0.28, 0.42},
    {0.55, 0.40, 0.05},
    {0.05, 0.04, 0.91},
    {0.25, 0.65, 0.10},
    {0.34, 0.33, 0.33},
    {0.62, 0.08, 0.30},
    {0.15, 0.13, 0.72},
    {0.95, 0.03, 0.02}
  };

  static final int[] Y = {0, 1, 0, 0, 2, 2, 1, 0, 1, 0};

  @Test
  void theReliabilityDiagramHasEachBinsMeanConfidenceAccuracyAndCount() {
    // NumPy, bins (k/5, (k+1)/5] of the top-class probability: (0.2, 0.4] {0.34 miss}; (0.4, 0.6]
    // {0.42 miss, 0.55 hit}: mean 0.485, acc 0.5; (0.6, 0.8] {0.72 h, 0.65 m, 0.62 h, 0.72 m}:
    // 0.6775, 0.5; (0.8, 1] {0.85, 0.91, 0.95 hits}: 0.9033333333333333, 1; (0, 0.2] empty
    Calibration.Reliability r = Calibration.reliability(P, Y, 5);
    assertEquals(5, r.bins());
    assertArrayEquals(new int[] {0, 1, 2, 4, 3}, r.count());
    double[] conf = r.confidence();
    double[] acc = r.accuracy();
    assertTrue(Double.isNaN(conf[0]) && Double.isNaN(acc[0]), "an empty bin has no mean");
    assertArrayEquals(
        new double[] {0.34, 0.485, 0.6775, 0.9033333333333333},
        java.util.Arrays.copyOfRange(conf, 1, 5),
        1e-12);
    assertArrayEquals(
        new double[] {0, 0.5, 0.5, 1}, java.util.Arrays.copyOfRange(acc, 1, 5), 1e-15);
    // the diagram's weighted gaps are the ECE (0.137 by hand, test above)
    assertEquals(0.137, r.ece(), 1e-12);
    // the arrays are copies: the record cannot be changed from outside
    conf[1] = 99;
    assertEquals(0.34, r.confidence()[1], 0);
    // a model with a non-finite probability has no diagram
    assertNull(
        Calibration.reliability(
            new double[][] {{Double.NaN, 0.5}, {0.2, 0.8}}, new int[] {0, 1}, 5));
  }

  @Test
  void equalWidthEceMatchesTheHandTable() {
    // 5 bins by hand: (0.2,0.4] {0.34 miss} -> |0 - 0.34| = 0.34; (0.4,0.6] {0.42 miss, 0.55 hit}
    // -> |1 - 0.97| = 0.03; (0.6,0.8] {0.72 h, 0.65 m, 0.62 h, 0.72 m} -> |2 - 2.71| = 0.71;
    // (0.8,1] {0.85, 0.91, 0.95 all hits} -> |3 - 2.71| = 0.29; ECE = 1.37 / 10 = 0.137.
    // NumPy (bins (lo, hi] from np.linspace(0, 1, B + 1), weights |B|/n): 0.137 and, with
    // 10 bins, 0.221.
    assertEquals(0.137, Calibration.ece(P, Y, 5), 1e-12);
    assertEquals(0.221, Calibration.ece(P, Y, 10), 1e-12);
  }

  @Test
  void equalMassEceMatchesNumPy() {
    // np.argsort(conf, kind='stable') split by np.array_split into 4 + 3 + 3:
    // {0.34 m, 0.42 m, 0.55 h, 0.62 h} -> |2 - 1.93|; {0.65 m, 0.72 h, 0.72 m} -> |1 - 2.09|;
    // {0.85, 0.91, 0.95 hits} -> |3 - 2.71|; (0.07 + 1.09 + 0.29) / 10 = 0.145 (NumPy
    // 0.14499999999999999).
    assertEquals(0.145, Calibration.eceEqualMass(P, Y, 3), 1e-12);
    // one bin: |accuracy - mean confidence| = |0.6 - 0.673| = 0.073
    assertEquals(0.073, Calibration.eceEqualMass(P, Y, 1), 1e-12);
  }

  @Test
  void nllAndBrierMatchNumPy() {
    // NumPy: -np.mean(np.log(P[np.arange(10), y])) = 0.83679411223953704;
    // np.mean(((P - np.eye(3)[y])**2).sum(1)) = 0.47886000000000006
    assertEquals(0.83679411223953704, Calibration.nll(P, Y), 1e-14);
    assertEquals(0.47886000000000006, Calibration.brier(P, Y), 1e-14);
    Calibration.Metrics m = Calibration.Metrics.of(P, Y, 5);
    assertEquals(0.6, m.accuracy(), 1e-15);
    assertEquals(0.137, m.ece(), 1e-12);
    // 5 equal-mass bins of 2; the stable sort keeps row 0 (0.72, hit) before row 8 (0.72, miss):
    // |0 - 0.76| + |2 - 1.17| + |1 - 1.37| + |1 - 1.57| + |2 - 1.86| = 2.67 -> 0.267 (NumPy
    // 0.26700000000000002; the other order of the tie would give 0.347)
    assertEquals(0.267, m.eceEqualMass(), 1e-12);
  }

  @Test
  void aConfidenceOnABinEdgeFallsIntoTheLowerBinAndZeroProbabilityIsFloored() {
    // 2 bins (0, 0.5], (0.5, 1]; ties go to the first class, so the rows predict 0, 0, 0, 0 with
    // hits 0 1 1 0. Bin 1 {0.5 m, 0.5 h}: |1 - 1| = 0; bin 2 {1.0 h, 0.8 m}: |1 - 1.8| = 0.8;
    // ECE = 0.8 / 4 = 0.2 (a confidence of 0.5 counted in bin 2 would give 0.325).
    double[][] p = {{0.5, 0.5}, {1.0, 0.0}, {0.5, 0.5}, {0.8, 0.2}};
    int[] y = {1, 0, 0, 1};
    assertEquals(0.2, Calibration.ece(p, y, 2), 1e-15);
    // p_y = 0 costs -log(1e-15) = 34.538776394910684
    double[][] q = {{1.0, 0.0}};
    assertEquals(34.538776394910684, Calibration.nll(q, new int[] {1}), 1e-12);
  }

  @Test
  void nonFiniteProbabilitiesGiveNaNAndBadInputsAreNamed() {
    double[][] p = {{Double.NaN, 0.5}, {0.2, 0.8}};
    int[] y = {0, 1};
    assertTrue(Double.isNaN(Calibration.ece(p, y, 5)));
    assertTrue(Double.isNaN(Calibration.eceEqualMass(p, y, 5)));
    assertTrue(Double.isNaN(Calibration.nll(p, y)));
    assertTrue(Double.isNaN(Calibration.brier(p, y)));
    assertTrue(Double.isNaN(Calibration.fitTemperature(Calibration.logits(p), y)));
    Calibration.Report r = Calibration.Report.of(p, y, p, y, 5, "x");
    assertTrue(Double.isNaN(r.temperature()) && Double.isNaN(r.after().ece()));
    assertEquals(
        "bins must be >= 1, but was 0",
        assertThrows(IllegalArgumentException.class, () -> Calibration.ece(P, Y, 0)).getMessage());
    assertEquals(
        "label 1 must be in [0, 2), but was 2",
        assertThrows(
                IllegalArgumentException.class,
                () -> Calibration.nll(new double[][] {{1, 0}, {0, 1}}, new int[] {0, 2}))
            .getMessage());
    assertEquals(
        "temperature must be finite and > 0, but was NaN",
        assertThrows(IllegalArgumentException.class, () -> Calibration.softmax(P, Double.NaN))
            .getMessage());
  }

  /** Eight examples, three classes; the NLL-optimal temperature by SciPy. */
  static final double[][] Z = {
    {2.0, 0.5, -1.0}, {0.1, 1.5, 0.3}, {3.0, -0.5, 0.0}, {0.0, 0.2, 2.2},
    {1.0, 1.2, 0.8}, {-1.0, 2.5, 0.5}, {2.2, 2.0, -0.3}, {0.4, -0.2, 1.9}
  };

  static final int[] YZ = {0, 1, 1, 2, 0, 1, 1, 2};

  @Test
  void theFittedTemperatureIsTheNllMinimumOfTheLogitTable() {
    // scipy.optimize.minimize_scalar on u = log T over [log 0.01, log 100], 'bounded', xatol
    // 1e-12: T* = 1.3602867908, NLL(T*) = 0.83723600302823387; NLL(1) = 0.85991614386638449,
    // NLL(2) = 0.85978875553608436 (mean of log Σ exp(z/T) - z_y/T)
    assertEquals(0.85991614386638449, Calibration.logitNll(Z, YZ, 1), 1e-14);
    assertEquals(0.85978875553608436, Calibration.logitNll(Z, YZ, 2), 1e-14);
    double t = Calibration.fitTemperature(Z, YZ);
    assertEquals(1.3602867908, t, 1e-6);
    assertEquals(0.83723600302823387, Calibration.logitNll(Z, YZ, t), 1e-12);
    // the softmax at T and its NLL agree with the log-sum-exp form
    assertEquals(
        Calibration.logitNll(Z, YZ, t), Calibration.nll(Calibration.softmax(Z, t), YZ), 1e-12);
  }

  /**
   * A calibrated model: logits z ~ N(0, 2²) over 10 classes and each label drawn from softmax(z).
   * Its logits scaled by 2.5 (overconfident) need T = 2.5, divided by 2.5 (underconfident) need T =
   * 0.4. With 50 000 examples the maximum-likelihood T's relative spread is about 0.4 % (NumPy, 20
   * seeds: 0.6 % at 20 000 examples), so 2 % is five standard deviations.
   */
  @Test
  void temperatureScalingRecoversAKnownTemperature() {
    int n = 50_000;
    int k = 10;
    SplittableRandom rng = new SplittableRandom(13);
    double[][] z = new double[n][k];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      double[] e = new double[k];
      double s = 0;
      for (int j = 0; j < k; j++) {
        z[i][j] = 2 * gaussian(rng);
        e[j] = Math.exp(z[i][j]);
        s += e[j];
      }
      double u = rng.nextDouble() * s;
      int c = 0;
      for (double acc = e[0]; acc < u && c < k - 1; acc += e[++c]) {}
      y[i] = c;
    }
    double[][] hot = scale(z, 2.5);
    double[][] cold = scale(z, 1 / 2.5);
    assertEquals(2.5, Calibration.fitTemperature(hot, y), 0.02 * 2.5);
    assertEquals(0.4, Calibration.fitTemperature(cold, y), 0.02 * 0.4);
    // the model's own logits need no temperature
    assertEquals(1.0, Calibration.fitTemperature(z, y), 0.02);

    // ECE of the overconfident model falls by far after scaling, and its fit NLL never rises
    double[][] hotP = Calibration.softmax(hot, 1);
    Calibration.Report r = Calibration.Report.of(hotP, y, hotP, y, 15, "all");
    assertTrue(r.before().ece() > 0.05, "overconfident ECE " + r.before().ece());
    assertTrue(r.after().ece() < 0.2 * r.before().ece(), r.toString());
    assertTrue(r.fitNllAfter() < r.fitNllBefore(), r.toString());
    assertEquals(r.before().accuracy(), r.after().accuracy(), 0); // scaling keeps the argmax
  }

  private static double gaussian(SplittableRandom rng) {
    // Box–Muller
    double u = 1 - rng.nextDouble();
    double v = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private static double[][] scale(double[][] z, double f) {
    double[][] out = new double[z.length][];
    for (int i = 0; i < z.length; i++) {
      out[i] = new double[z[i].length];
      for (int j = 0; j < z[i].length; j++) {
        out[i][j] = z[i][j] * f;
      }
    }
    return out;
  }
}

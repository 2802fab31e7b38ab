package dev.governor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedRatioTest {

  /**
   * Reference (NumPy/SciPy): d = ln(v/b); exp(mean(d) ± t₀.₉₇₅(4) · std(d, ddof=1)/√5) with
   * t₀.₉₇₅(4) = 2.7764451051977934; b = [10, 12, 9, 11, 10.5], v = [10.1, 12.3, 8.95, 11.2, 10.4]
   * gives 1.0075324175769789 [0.9892042305190604, 1.0262001931955467].
   */
  @Test
  void geometricMeanAndStudentIntervalOfThePairedLogRatios() {
    double[] b = {10, 12, 9, 11, 10.5};
    double[] v = {10.1, 12.3, 8.95, 11.2, 10.4};
    PairedRatio r = PairedRatio.of(b, v, 5);
    assertEquals(1.0075324175769789, r.estimate(), 1e-12);
    assertEquals(0.9892042305190604, r.lower(), 1e-9);
    assertEquals(1.0262001931955467, r.upper(), 1e-9);
    assertEquals(5, r.rounds());
    assertEquals("unresolved", r.judge(1.01));
    assertEquals("met", r.judge(1.03));
    assertEquals("MISSED", r.judge(0.98));
  }

  @Test
  void pairingCancelsLoadThatSlowsBothVariantsOfARound() {
    // every round the variant costs exactly 1 % more; the load triples between rounds
    double[] b = {10, 30, 15, 27, 11};
    double[] v = new double[5];
    for (int i = 0; i < 5; i++) {
      v[i] = 1.01 * b[i];
    }
    PairedRatio r = PairedRatio.of(b, v, 5);
    assertEquals(1.01, r.estimate(), 1e-12);
    assertTrue(r.width() < 1e-9, r.toString());
  }

  @Test
  void refusesBadTimesAndCounts() {
    double[] b = {1, 2};
    assertThrows(IllegalArgumentException.class, () -> PairedRatio.of(b, new double[] {1, 0}, 2));
    assertThrows(
        IllegalArgumentException.class, () -> PairedRatio.of(b, new double[] {1, Double.NaN}, 2));
    assertThrows(IllegalArgumentException.class, () -> PairedRatio.of(b, b, 3));
    assertTrue(Double.isNaN(PairedRatio.of(b, b, 1).lower()));
  }
}

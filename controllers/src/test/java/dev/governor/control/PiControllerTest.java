package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PiControllerTest {

  static PiConfig.Builder base() {
    return PiConfig.builder()
        .kp(0)
        .ki(0.1)
        .setpoint(0)
        .reverseActing(false)
        .filterAlpha(1)
        .period(1)
        .initial(0)
        .bounds(-10, 10);
  }

  @Test
  void integralOnlyStepResponseOnAStaticPlant() {
    // Plant y_t = 2 u_t (output of the previous update applied), r = 1, e = r - y, Ki = 0.1.
    // u_{k+1} = u_k + 0.1 (1 - 2 u_k) = 0.8 u_k + 0.1: u = 0.1, 0.18, 0.244, 0.2952, ... -> 0.5
    PiController pi = PiController.of(base().setpoint(1).build());
    double u = pi.output();
    assertEquals(0, u);
    double[] expected = {0.1, 0.18, 0.244, 0.2952, 0.33616};
    for (double e : expected) {
      u = pi.update(2 * u);
      assertEquals(e, u, 1e-15);
    }
    for (int k = 0; k < 200; k++) {
      u = pi.update(2 * u);
    }
    assertEquals(0.5, u, 1e-12);
  }

  @Test
  void proportionalIntegralStepResponseIsBumpless() {
    // Kp = 0.5, Ki = 0.2, r = 1, constant measurement y = 0 -> e = 1 every update.
    // Bumpless start: I_0 = -Kp e = -0.5; update 1: I = -0.3, u = 0 + 0.5 + (-0.3) = 0.2 (= Ki e);
    // update k: u = 0.2 k (the Kp step never appears because e never changes).
    PiController pi = PiController.of(base().kp(0.5).ki(0.2).setpoint(1).build());
    assertEquals(0.0, pi.output(), "first output = initial value");
    for (int k = 1; k <= 5; k++) {
      assertEquals(0.2 * k, pi.update(0), 1e-15);
    }
    // then the error drops to 0.5 (y = 0.5): u changes by Kp (0.5 - 1) + Ki 0.5 = -0.15
    assertEquals(1.0 - 0.15, pi.update(0.5), 1e-15);
  }

  @Test
  void emaFilterAndPeriod() {
    // alpha 0.5, period 2, Ki 1, r 0, direct: f = 4 (first sample), then 0.5*4 + 0.5*0 = 2,
    // update at the 2nd call: e = -2 -> u = -2; 3rd call f = 1 (held); 4th f = 0.5 -> u = -2.5
    PiController pi = PiController.of(base().ki(1).filterAlpha(0.5).period(2).build());
    assertEquals(0, pi.update(4));
    assertEquals(-2, pi.update(0), 1e-15);
    assertEquals(-2, pi.update(0), 1e-15);
    assertEquals(-2.5, pi.update(0), 1e-15);
    assertEquals(2, pi.updates());
  }

  @Test
  void reverseActingFlipsTheError() {
    PiController pi = PiController.of(base().reverseActing(true).setpoint(0.5).build());
    assertEquals(0.1 * (0.9 - 0.5), pi.update(0.9), 1e-15);
    assertEquals(0.4, pi.error(), 1e-15);
  }

  @Test
  void nanAndInfHoldTheOutputAndCountFaults() {
    PiController pi = PiController.of(base().setpoint(1).build());
    double u = pi.update(0);
    for (double bad :
        new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertEquals(u, pi.update(bad));
    }
    assertEquals(3, pi.faults());
    assertEquals(1, pi.updates());
    assertEquals(0.0, pi.filtered());
  }

  @Test
  void slewLimitBoundsEachChange() {
    // Ki 1, error 5 each update, maxDelta 0.3: the output ramps 0.3 per update to the bound 2.
    PiController pi = PiController.of(base().ki(1).setpoint(5).maxDelta(0.3).bounds(-2, 2).build());
    double prev = 0;
    for (int k = 1; k <= 10; k++) {
      double u = pi.update(0);
      assertEquals(Math.min(2, 0.3 * k), u, 1e-12);
      assertTrue(u - prev <= 0.3 + 1e-15);
      prev = u;
    }
    assertTrue(pi.saturated());
  }

  @Test
  void outputBoundsHold() {
    PiController pi = PiController.of(base().ki(10).setpoint(100).bounds(-1, 1).build());
    for (int k = 0; k < 100; k++) {
      double u = pi.update(0);
      assertTrue(u >= -1 && u <= 1);
    }
    assertEquals(1, pi.output());
  }

  /**
   * Windup: plant y = u (static), integral-only PI (Ki 0.2), bounds [-1, 1]. Phase 1 (300 steps): r
   * = 5, unreachable, the actuator sits at the bound 1 with e = 4 (a plain integrator would grow by
   * 0.8 per step). Phase 2: r = 0.5. Reference: the same loop with bounds [-100, 100] settled at u
   * = 1 (r = 1) and then given r = 0.5 — the un-saturated response, u_{k+1} = u_k + 0.2 (0.5 -
   * u_k), monotone, no undershoot. The anti-windup loop must not undershoot 0.5 more than the
   * reference, and must leave the bound on the first update (a wound-up integrator would hold u = 1
   * for many steps). With Kp = 0.3 it must also leave the bound at once.
   */
  @Test
  void antiWindupNoExtraOvershootAfterRelease() {
    PiConfig sat = base().ki(0.2).bounds(-1, 1).build();
    PiConfig wide = sat.toBuilder().bounds(-100, 100).integralBounds(-200, 200).build();
    double[] a = releaseResponse(sat, 5.0);
    double[] b = releaseResponse(wide, 1.0);
    double minA = 1;
    double minB = 1;
    for (int k = 0; k < a.length; k++) {
      minA = Math.min(minA, a[k]);
      minB = Math.min(minB, b[k]);
      assertEquals(b[k], a[k], 1e-9, "release response differs from the unsaturated one at " + k);
    }
    assertTrue(minA >= minB - 1e-9, "undershoot " + minA + " vs unsaturated " + minB);
    assertEquals(0.9, a[0], 1e-12);
    assertEquals(0.5, a[a.length - 1], 1e-6);
    double[] c = releaseResponse(sat.toBuilder().kp(0.3).build(), 5.0);
    assertTrue(c[0] < 1, "still stuck at the bound: " + c[0]);
  }

  static double[] releaseResponse(PiConfig c, double r1) {
    PiController pi = PiController.of(c.toBuilder().setpoint(r1).build());
    double u = pi.output();
    for (int k = 0; k < 300; k++) {
      u = pi.update(u);
    }
    PolicyState.Writer w = PolicyState.writer("x");
    pi.writeState(w);
    PiController p2 = PiController.of(c.toBuilder().setpoint(0.5).build());
    p2.readState(w.build().reader("x"));
    double[] out = new double[100];
    for (int k = 0; k < out.length; k++) {
      u = p2.update(u);
      out[k] = u;
    }
    return out;
  }

  @Test
  void snapshotRestoreAndCopy() {
    PiController pi = PiController.of(base().kp(0.2).filterAlpha(0.3).period(2).build());
    for (int k = 0; k < 7; k++) {
      pi.update(Math.sin(k));
    }
    PolicyState.Writer w = PolicyState.writer("pi");
    pi.writeState(w);
    PolicyState s = w.build();
    PiController other = pi.copy();
    assertEquals(0, other.updates());
    other.readState(s.reader("pi"));
    for (int k = 7; k < 30; k++) {
      assertEquals(pi.update(Math.cos(k)), other.update(Math.cos(k)));
    }
  }

  @Test
  void overrideIsBumpless() {
    // Ki 0.1, Kp 0.5, constant e = 1: after the override to -1 the next update moves by Ki e only.
    PiController pi = PiController.of(base().kp(0.5).setpoint(1).build());
    pi.update(0);
    pi.override(-1);
    assertEquals(-1, pi.output());
    assertEquals(-1 + 0.1, pi.update(0), 1e-15);
    pi.override(Double.NaN);
    assertEquals(-0.9, pi.output(), 1e-15);
    pi.override(-50);
    assertEquals(-10, pi.output());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "kp|NaN|kp must be finite and >= 0, but was NaN",
        "kp|-1|kp must be finite and >= 0, but was -1.0",
        "ki|Infinity|ki must be finite and >= 0, but was Infinity",
        "setpoint|NaN|setpoint must be finite, but was NaN",
        "alpha|0|filterAlpha must be in (0, 1], but was 0.0",
        "alpha|1.5|filterAlpha must be in (0, 1], but was 1.5",
        "period|0|period must be >= 1, but was 0",
        "initial|20|initial must be in [outMin=-10.0, outMax=10.0], but was 20.0",
        "maxDelta|0|maxDelta must be > 0 (or Infinity), but was 0.0",
        "outMax|-20|outMax must be finite and >= outMin=-10.0, but was -20.0",
        "integralMax|-1|integralMax must be finite and >= 0, but was -1.0"
      })
  void invalidConfigNamesItself(String field, double value, String message) {
    PiConfig.Builder b = base();
    switch (field) {
      case "kp" -> b.kp(value);
      case "ki" -> b.ki(value);
      case "setpoint" -> b.setpoint(value);
      case "alpha" -> b.filterAlpha(value);
      case "period" -> b.period((long) value);
      case "initial" -> b.initial(value);
      case "maxDelta" -> b.maxDelta(value);
      case "outMax" -> b.bounds(-10, value);
      case "integralMax" -> b.integralBounds(-1, value);
      default -> throw new IllegalStateException(field);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertEquals(message, e.getMessage());
  }

  @Test
  void piSpecOptionsNameThemselves() {
    String[][] cases = {
      {"pi(kp=-1)", "pi.kp must be finite and >= 0, but was -1.0"},
      {"pi(slew=1)", "pi.slew must be finite and > 1, but was 1.0"},
      {"pi(pv=clip-rate)", "pi.pv must be one of"},
      {"pi(pv=nope)", "pi.pv: process variable must be one of"},
      {"pi(base=pi)", "pi.base must be one of"},
      {"pi(lr-floor=1)", "pi.lr-floor must be <= lr=0.1, but was 1.0"},
      {"pi(clip-rate=1.5)", "pi.clip-rate must be in (0.0, 1.0), but was 1.5"},
      {"pi(guard-z-skip=1)", "pi.guard zSkip must be finite and >= zClip=4.0, but was 1.0"},
      {"pi(gap-pv=alignment)", "pi.gap-pv must be one of [gap, relative-gap]"},
      {"pi(cut=2)", "pi.cut must be in (0.0, 1.0), but was 2.0"},
      {"pi(bogus=1)", "pi has no option 'bogus'"},
      {"pi(layers=maybe)", "pi.layers must be true or false, but was 'maybe'"}
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Policies.create(c[0]), c[0]);
      assertTrue(e.getMessage().startsWith(c[1]), c[0] + " -> " + e.getMessage());
    }
    assertFalse(Policies.create("pi").openLoop());
  }
}

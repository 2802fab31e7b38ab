package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pi(optimizer=adaptive)}: the update-ratio LR loop for Adam-family optimizers.
 *
 * <p>Plant: an adaptive optimizer's update ratio is proportional to the learning rate, {@code
 * ‖Δθ‖/‖θ‖ = k·η} (here k = 2, no noise). The loop regulates log10(k·η) to the setpoint −1.5, so
 * its fixed point is η* = 10^−1.5 / k = 0.0158113883… (10^−1.5 = 0.03162277660168379, halved),
 * whatever the initial LR. With a cosine base of horizon T and lr-min 0 the setpoint follows the
 * base's shape, so at step t the ratio settles at 10^−1.5 · ½(1 + cos(π t/T)) and η_t = η* · ½(1 +
 * cos(π t/T)).
 */
class PiAdaptiveTest {
  static final double K = 2.0;
  static final double ETA_STAR = 0.03162277660168379 / K;

  private static Observation obs(long t, double lr) {
    return Observation.builder(t)
        .loss(1.0)
        .gradNorm(1.0)
        .paramNorm(10.0)
        .updateNorm(10.0 * K * lr)
        .alignment(0.5) // positive, as measured with Adam: must not drive the adaptive loop
        .lr(lr)
        .build();
  }

  private static double run(Policy p, int steps, long checkAt, double[] lrAt) {
    Decision d = new Decision();
    double lr = p.initial().lr();
    for (int t = 0; t < steps; t++) {
      p.decide(obs(t, lr), d);
      lr = d.lr;
      if (t + 1 == checkAt) {
        lrAt[0] = lr;
      }
    }
    return lr;
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 1e-3, 1e-2})
  void findsTheLrOfTheSetpointRatioFromAnyInitialLr(double lr0) {
    Policy p = Policies.create("pi(optimizer=adaptive, lr=" + lr0 + ", clip-loop=false)");
    double lr = run(p, 1500, -1, new double[1]);
    assertEquals(ETA_STAR, lr, 0.01 * ETA_STAR, "initial lr " + lr0);
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 1e-2})
  void withAHorizonTheRateFollowsTheCosineShape(double lr0) {
    long tMax = 4000;
    Policy p =
        Policies.create(
            "pi(optimizer=adaptive, lr=" + lr0 + ", t-max=" + tMax + ", clip-loop=false)");
    double[] mid = new double[1];
    run(p, 3000, 2000, mid);
    // at t = T/2 the cosine factor is exactly 1/2; the lag of the loop costs well under 3 %
    assertEquals(0.5 * ETA_STAR, mid[0], 0.03 * 0.5 * ETA_STAR);
  }

  @Test
  void explicitOptionsStillWinAndBadValuesNameThemselves() {
    PiPolicyConfig c = PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive, setpoint=-3)"));
    assertEquals(ProcessVariable.UPDATE_RATIO, c.lr().pv());
    assertEquals(-3.0, c.lr().setpoint());
    assertEquals("constant", c.lr().base());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(optimizer=lion)"));
    assertTrue(e.getMessage().contains("pi.optimizer"), e.getMessage());
    assertTrue(e.getMessage().contains("lion"), e.getMessage());
  }
}

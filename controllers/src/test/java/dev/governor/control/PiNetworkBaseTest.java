package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code pi(base=network)}: the LR loop trims a base schedule the plant supplies. */
class PiNetworkBaseTest {
  /** A step schedule a plant might supply: 0.01 · 0.5^⌊t/3⌋ (DL4J's StepSchedule(0.01, 0.5, 3)). */
  static final Schedule STEP = t -> 0.01 * Math.pow(0.5, Math.floorDiv(Math.max(0, t), 3));

  static Observation obs(long t, double lr) {
    return Observation.builder(t)
        .loss(1.0)
        .gradNorm(1.0)
        .paramNorm(10.0)
        .updateNorm(lr)
        .alignment(0.0)
        .batchSize(8)
        .lr(lr)
        .build();
  }

  /**
   * With both gains 0 and no stationarity decay, guard or clip loop, e^u = 1: every decision is the
   * supplied schedule's value of the next step, bit for bit: 0.01, 0.01, 0.01, 0.005, 0.005, 0.005,
   * 0.0025, ... (decision after step t = base(t + 1)).
   */
  @Test
  void frozenLoopsDecideTheSuppliedScheduleExactly() {
    Policy p =
        Policies.create(
            PolicySpec.parse("pi(base=network, lr=0.01, kp=0, ki=0, decay=1, guard=off)"), STEP);
    assertEquals(0.01, p.initial().lr());
    Decision d = new Decision();
    double lr = p.initial().lr();
    for (long t = 0; t < 12; t++) {
      p.decide(obs(t, lr), d);
      lr = d.hyperparameters().lr();
      assertEquals(STEP.lr(t + 1), lr, 0.0, "step " + t);
    }
    // a copy keeps the supplied base
    Policy c = p.copy();
    assertEquals(0.01, c.initial().lr());
    c.decide(obs(0, 0.01), d);
    c.decide(obs(1, 0.01), d);
    c.decide(obs(2, 0.01), d);
    assertEquals(0.005, d.hyperparameters().lr(), 0.0);
  }

  /** Without a supplied schedule the base is the constant stand-in at lr, as base=constant. */
  @Test
  void withoutASuppliedScheduleTheBaseIsConstantAtLr() {
    Policy net = Policies.create("pi(base=network, lr=0.01, kp=0, ki=0, decay=1, guard=off)");
    Policy con = Policies.create("pi(base=constant, lr=0.01, kp=0, ki=0, decay=1, guard=off)");
    Decision a = new Decision();
    Decision b = new Decision();
    for (long t = 0; t < 6; t++) {
      net.decide(obs(t, 0.01), a);
      con.decide(obs(t, 0.01), b);
      assertEquals(b.hyperparameters(), a.hyperparameters());
    }
  }

  @Test
  void anUnknownBaseListsNetwork() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> Policies.create("pi(base=nets)"));
    assertTrue(e.getMessage().startsWith("pi.base must be one of ["), e.getMessage());
    assertTrue(e.getMessage().contains("network]"), e.getMessage());
    assertTrue(e.getMessage().endsWith("but was 'nets'"), e.getMessage());
  }
}

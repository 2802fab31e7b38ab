package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Writing a decision in one call, and the spec form that policy and optimizer specs share. */
class DecisionWriteTest {
  @Test
  void setClearsTheLastDecisionAndWritesTheFiveFields() {
    Decision d = new Decision();
    d.set(3, 0.5, 2.0, 1e-4, GuardAction.SKIP);
    d.setLayerCount(2);
    d.lrMeasurement = 1.25;
    d.clipIntegral = -0.5;
    d.faults = 7;
    d.gradZ = 3.0;
    assertSame(d, d.set(4, 0.25, Double.POSITIVE_INFINITY, 0, GuardAction.NONE));
    assertEquals(4, d.step);
    assertEquals(0.25, d.lr, 0.0);
    assertEquals(Double.POSITIVE_INFINITY, d.clip, 0.0);
    assertEquals(0.0, d.weightDecay, 0.0);
    assertEquals(GuardAction.NONE, d.action);
    // what the previous decision left is gone: no multipliers, NaN internals, no faults
    assertEquals(0, d.layerCount);
    assertTrue(Double.isNaN(d.lrMeasurement));
    assertTrue(Double.isNaN(d.clipIntegral));
    assertTrue(Double.isNaN(d.gradZ));
    assertEquals(0, d.faults);
    assertEquals(Hyperparameters.of(0.25, Double.POSITIVE_INFINITY, 0), d.hyperparameters());
  }

  @Test
  void theSpecFormListsTheOptionsInOrderAndParsesBack() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("lr", "0.1");
    o.put("t-max", "300");
    assertEquals("cosine(lr=0.1, t-max=300)", PolicySpec.format("cosine", o));
    assertEquals("constant", PolicySpec.format("constant", Map.of()));
    PolicySpec back = PolicySpec.parse(PolicySpec.format("cosine", o));
    assertEquals("cosine", back.name());
    assertEquals(o, back.options());
  }
}

package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectionTest {
  @TempDir Path tmp;

  /*
   * Runs.plant over 60 steps under constant(lr=0.1, clip=2): loss_t = 2/(1 + 0.05 t) for t < 30,
   * then 0.8, with 3.8 at t = 45; g_t = 0.5 + loss_t + (t mod 5)/10. Python (statistics.stdev):
   *   z at 45 over steps 0..44 = 7.729 (> 4, the only step above 4);
   *   clipped (g > 2): 13 steps -> rate 13/60 = 0.21666...;
   *   mean of 0.1 * min(1, 2/g) = 0.0966019918460574.
   */
  @Test
  void summarizesLossSpikesClippingAndRanges() {
    RunFolder run =
        Runs.record(tmp.resolve("r"), PolicySpec.parse("constant(lr=0.1, clip=2, wd=0.001)"), 60);
    try (DecisionLog dl = run.openDecisions()) {
      dl.appender().appendEvent(EventKind.CLAMP, 12, 3.0);
    }
    Inspection.Summary s = Inspection.inspect(run);
    assertEquals(60, s.steps());
    assertEquals(0, s.firstStep());
    assertEquals(59, s.lastStep());
    assertEquals(2.0, s.lossFirst());
    assertEquals(0.8, s.lossLast());
    assertEquals(0.8, s.lossMin());
    assertEquals(30, s.lossMinStep());
    assertFalse(s.diverged());
    assertEquals(1, s.spikes());
    assertEquals(List.of(45L), s.spikeSteps());
    assertEquals(0, s.faults());
    assertEquals(13.0 / 60, s.clipRate(), 1e-15);
    assertEquals(0.0966019918460574, s.meanEffectiveLr(), 1e-15);
    assertEquals(new Inspection.Range(0.1, 0.1), s.lr());
    assertEquals(new Inspection.Range(2.0, 2.0), s.clip());
    assertEquals(60, s.decisions());
    assertEquals(Map.of("CLAMP", 1L), s.events());
    assertEquals(60, s.telemetryQueue().records());
    assertEquals(61, s.decisionQueue().records());
    assertEquals(null, s.telemetryQueue().tornTail());
  }

  @Test
  void divergenceAndFaultsAreFound() {
    RunFolder run =
        RunFolder.create(
            tmp.resolve("d"),
            new RunHeader(
                "d", PolicySpec.of("imported"), Map.of(), 0, Map.of(), "2026-01-01T00:00:00Z"));
    try (TelemetryLog tl = run.openTelemetry();
        TelemetryLog.Appender a = tl.appender()) {
      double[] loss = {1.0, 2.0, 5.0, 11.0, Double.POSITIVE_INFINITY, Double.NaN};
      for (int t = 0; t < loss.length; t++) {
        a.append(Observation.builder(t).loss(loss[t]).gradNorm(1).build());
      }
    }
    Inspection.Summary s = Inspection.inspect(run);
    assertTrue(s.diverged());
    assertEquals(3, s.divergedAt(), "11 > 10 x the first loss 1.0");
    assertEquals(2, s.faults());
    assertEquals(11.0, s.lossLast());
    assertEquals(null, s.decisionQueue());
    assertTrue(Double.isNaN(s.clipRate()), "no lr or clip known");
  }
}

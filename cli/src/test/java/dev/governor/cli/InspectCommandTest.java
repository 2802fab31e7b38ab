package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.testkit.RunBuilder;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path tmp;

  @Test
  void tableAndJson() throws Exception {
    TestRuns.record(
        tmp.resolve("r"),
        PolicySpec.parse("constant(lr=0.1, clip=2)"),
        60,
        UnaryOperator.identity());
    TestRuns.Result t = TestRuns.run("inspect", "--run", tmp.resolve("r").toString());
    assertEquals(0, t.code(), t.err());
    assertTrue(t.out().contains("loss spikes              1 at steps [45]"), t.out());
    assertTrue(t.out().contains("diverged                 no"), t.out());
    assertTrue(t.out().contains("clip applied             2.00000"), t.out());
    TestRuns.Result j = TestRuns.run("inspect", "--run", tmp.resolve("r").toString(), "--json");
    assertEquals(0, j.code(), j.err());
    JsonNode n = new ObjectMapper().readTree(j.out());
    assertEquals(60, n.get("steps").asLong());
    assertEquals(45, n.get("spikeSteps").get(0).asLong());
    assertEquals(0.8, n.get("lossMin").asDouble());
    assertTrue(n.get("decidedWd").get("min").isNumber());
    // the plant's loss halves and then stays flat with one spike: no verdict
    assertTrue(n.get("diagnosis").isArray() && n.get("diagnosis").isEmpty(), j.out());
    assertTrue(t.out().contains("diagnosis                none"), t.out());
  }

  @Test
  void diagnosisOfARunWithTooHighALr() throws Exception {
    // 100 steps of a falling loss at LR 0.01 with secant sharpness 300: η·λ̂ = 3 > 2
    RunFolder run = RunBuilder.at(tmp.resolve("hot")).policy("constant(lr=0.01)").seed(7).create();
    try (TelemetryLog tl = run.openTelemetry();
        TelemetryLog.Appender ta = tl.appender()) {
      for (int s = 0; s < 100; s++) {
        ta.append(
            Observation.builder(s)
                .loss(2.0 / (1 + 0.05 * s))
                .gradNorm(1)
                .paramNorm(10)
                .updateNorm(0.01)
                .sharpness(300)
                .batchSize(32)
                .lr(0.01)
                .clip(Double.POSITIVE_INFINITY)
                .weightDecay(0)
                .build());
      }
    }
    TestRuns.Result t = TestRuns.run("inspect", "--run", tmp.resolve("hot").toString());
    assertEquals(0, t.code(), t.err());
    assertTrue(
        t.out().contains("diagnosis                lr-too-high: median η·λ̂ 3.00 > 2"), t.out());
    assertTrue(t.out().contains("try: lower the learning rate to about 0.00333"), t.out());
    TestRuns.Result j = TestRuns.run("inspect", "--run", tmp.resolve("hot").toString(), "--json");
    JsonNode d = new ObjectMapper().readTree(j.out()).get("diagnosis");
    assertEquals(1, d.size(), j.out());
    assertEquals("lr-too-high", d.get(0).get("kind").asText());
    assertEquals(3.0, d.get(0).get("numbers").get("median_lr_sharpness").asDouble(), 1e-12);
    assertEquals(100, d.get(0).get("numbers").get("steps_measured").asInt());
  }

  @Test
  void missingRunIsOneLine() {
    TestRuns.Result r = TestRuns.run("inspect", "--run", tmp.resolve("none").toString());
    assertEquals(2, r.code());
    assertEquals(
        "inspect: run folder not found: " + tmp.resolve("none").toAbsolutePath(), r.err().strip());
  }
}

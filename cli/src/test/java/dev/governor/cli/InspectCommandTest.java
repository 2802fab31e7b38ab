package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.PolicySpec;
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
  }

  @Test
  void missingRunIsOneLine() {
    TestRuns.Result r = TestRuns.run("inspect", "--run", tmp.resolve("none").toString());
    assertEquals(2, r.code());
    assertEquals(
        "inspect: run folder not found: " + tmp.resolve("none").toAbsolutePath(), r.err().strip());
  }
}

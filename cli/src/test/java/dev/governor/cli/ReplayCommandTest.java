package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
  @TempDir Path tmp;

  static final PolicySpec PLATEAU = PolicySpec.parse("plateau(lr=0.1, patience=3, factor=0.5)");

  @Test
  void verifyPrintsVerifiedNOfN() {
    TestRuns.record(tmp.resolve("r"), PLATEAU, 60, UnaryOperator.identity());
    TestRuns.Result r = TestRuns.run("replay", "--run", tmp.resolve("r").toString(), "--verify");
    assertEquals(0, r.code(), r.err());
    assertEquals("verified 60/60 decisions", r.out().strip());
  }

  @Test
  void verifyPrintsTheFirstMismatchAndExits1() {
    TestRuns.record(
        tmp.resolve("r"),
        PLATEAU,
        60,
        d -> {
          if (d.step == 33) {
            d.weightDecay = 0.5;
          }
          return d;
        });
    TestRuns.Result r = TestRuns.run("replay", "--run", tmp.resolve("r").toString(), "--verify");
    assertEquals(1, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(
        "mismatch at step 33, field weightDecay: recorded 0.5 (0x3fe0000000000000), replayed 0.0"
            + " (0x0)",
        lines[0]);
    assertTrue(lines[1].startsWith("verified 33/34 decisions before the first mismatch"), lines[1]);
  }

  @Test
  void counterfactualSaysOpenLoopAndWritesARunFolder() throws Exception {
    TestRuns.record(tmp.resolve("r"), PLATEAU, 40, UnaryOperator.identity());
    TestRuns.Result r =
        TestRuns.run(
            "replay",
            "--run",
            tmp.resolve("r").toString(),
            "--policy",
            "constant",
            "--lr",
            "0.05",
            "--clip",
            "1.0",
            "--out",
            tmp.resolve("w").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().startsWith("open-loop counterfactual: constant(clip=1.0, lr=0.05)"), r.out());
    assertTrue(r.out().contains("wrote 40 decisions to "), r.out());
    // every step clips at c = 1 (g >= 0.5 + 0.8): rate 1 against 0 recorded
    assertTrue(r.out().matches("(?s).*clip rate\\s+0\\.00000\\s+1\\.00000\\s.*"), r.out());
    RunFolder w = RunFolder.open(tmp.resolve("w"));
    assertEquals("constant", w.header().policy().name());
    assertTrue(Files.readString(w.summaryJson()).contains("open-loop counterfactual"));
    TestRuns.Result v = TestRuns.run("replay", "--run", tmp.resolve("w").toString(), "--verify");
    assertEquals("verified 40/40 decisions", v.out().strip());
  }

  @Test
  void badInputGivesOneLineAndExit2() throws Exception {
    TestRuns.Result r = TestRuns.run("replay", "--run", tmp.resolve("nope").toString(), "--verify");
    assertEquals(2, r.code());
    assertEquals(
        "replay: run folder not found: " + tmp.resolve("nope").toAbsolutePath(), r.err().strip());
    Files.createDirectories(tmp.resolve("empty"));
    r = TestRuns.run("replay", "--run", tmp.resolve("empty").toString(), "--verify");
    assertEquals(2, r.code());
    assertTrue(r.err().strip().endsWith("has no run.json"), r.err());
    TestRuns.record(tmp.resolve("r"), PLATEAU, 5, UnaryOperator.identity());
    r =
        TestRuns.run(
            "replay", "--run", tmp.resolve("r").toString(), "--policy", "nosuch", "--out", "x");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("replay: policy must be one of"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    r = TestRuns.run("replay", "--run", tmp.resolve("r").toString());
    assertEquals(2, r.code());
    assertEquals("replay: give either --verify or --policy SPEC --out DIR2", r.err().strip());
  }
}

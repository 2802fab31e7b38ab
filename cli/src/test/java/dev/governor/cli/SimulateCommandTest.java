package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.cli.TestRuns.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {

  @Test
  void singleRunWritesTheSummarySchema(@TempDir Path dir) throws Exception {
    Result r =
        run(
            "simulate",
            "--problem",
            "nqm",
            "--dim",
            "20",
            "--lambda-max",
            "2",
            "--spectrum-exponent",
            "1",
            "--noise",
            "isotropic",
            "--noise-scale",
            "0.5",
            "--batch",
            "8",
            "--optimizer",
            "sgd",
            "--policy",
            "constant",
            "--lr",
            "0.5",
            "--steps",
            "400",
            "--seeds",
            "3",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(3, s.get("runs").size());
    double sum = 0;
    for (JsonNode run : s.get("runs")) {
      assertTrue(run.has("seed") && run.has("final_loss") && run.has("tail_mean_loss"));
      assertFalse(run.get("diverged").asBoolean());
      sum += run.get("tail_mean_loss").asDouble();
    }
    assertEquals(sum / 3, s.get("tail_mean_loss").asDouble(), 1e-12);
    assertEquals(0, s.get("diverged").asInt());
    assertTrue(Files.readString(dir.resolve("report.html")).contains("data:image/png;base64,"));
  }

  @Test
  void divergenceIsCountedAndTheMeanOfNoRunsIsNaN(@TempDir Path dir) throws Exception {
    // lr 1.5 > 2/λ = 1 diverges on every seed
    Result r =
        run(
            "simulate",
            "--problem",
            "nqm",
            "--lambda-max",
            "2",
            "--policy",
            "constant(lr=1.5)",
            "--steps",
            "300",
            "--seeds",
            "2",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(2, s.get("diverged").asInt());
    assertEquals("NaN", s.get("tail_mean_loss").textValue()); // report's Json encoding
    assertTrue(s.get("runs").get(0).get("diverged").asBoolean());
  }

  @Test
  void anOptimizerWithHyperparametersRunsAndIsRecorded(@TempDir Path dir) throws Exception {
    Result r =
        run(
            "simulate",
            "--problem",
            "nqm",
            "--dim",
            "20",
            "--optimizer",
            "prodigy(d0=1e-4)",
            "--policy",
            "constant(lr=1)",
            "--steps",
            "300",
            "--seeds",
            "1",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("prodigy(d0=1.0E-4)", s.get("optimizer").asText());
    JsonNode run = s.get("runs").get(0);
    assertTrue(run.get("final_loss").asDouble() < run.get("initial_loss").asDouble());
  }

  @Test
  void theOptimizerHelpListsEveryOptimizer() {
    String names = dev.governor.sim.OptimizerKind.ids().replace(", ", " | ");
    assertTrue(
        ProblemOptions.OPTIMIZER_HELP.startsWith(names + ","), ProblemOptions.OPTIMIZER_HELP);
    assertTrue(run("simulate", "--help").out().contains("sf-adamw"));
  }

  @Test
  void otherProblemsRun(@TempDir Path dir) {
    assertEquals(
        0,
        run(
                "simulate",
                "--problem",
                "logreg",
                "--dim",
                "5",
                "--policy",
                "constant(lr=0.5)",
                "--steps",
                "100",
                "--seeds",
                "1",
                "--out",
                dir.resolve("a").toString(),
                "--quiet")
            .code());
    assertEquals(
        0,
        run(
                "simulate",
                "--problem",
                "rosenbrock",
                "--optimizer",
                "adam",
                "--policy",
                "constant(lr=0.01)",
                "--steps",
                "100",
                "--seeds",
                "1",
                "--out",
                dir.resolve("b").toString(),
                "--quiet")
            .code());
  }

  @Test
  void badFlagsGiveOneLineAndExit2(@TempDir Path dir) {
    String out = dir.toString();
    String[][] bad = {
      {"simulate", "--problem", "mnist", "--out", out},
      {"simulate", "--dim", "0", "--out", out},
      {"simulate", "--noise", "pink", "--out", out},
      {"simulate", "--optimizer", "lbfgs", "--out", out},
      {"simulate", "--optimizer", "prodigy(d1=2)", "--out", out},
      {"simulate", "--optimizer", "dog(reps-rel=-1)", "--out", out},
      {"simulate", "--policy", "nope", "--out", out},
      {"simulate", "--policy", "constant(lr=-1)", "--out", out},
      {"simulate", "--problem", "logreg", "--noise-scale", "2", "--out", out},
      {"simulate", "--steps", "x", "--out", out},
      {"simulate", "--seeds", "0", "--out", out},
      {"simulate", "--suite", "nope", "--out", out},
      {"simulate", "--suite", "validation", "--dim", "3", "--out", out},
      {"simulate", "--suite", "stability-map", "--lr", "0.1", "--out", out},
      {"simulate", "--suite", "gains", "-P", "kp=1", "--out", out},
      {"simulate", "--quick", "--out", out},
      {"simulate"},
      {"simulate", "--pi-options", "stat-window=50", "--out", out},
      {"simulate", "--suite", "gains", "--pi-options", "stat-window=50", "--out", out},
      {"simulate", "--suite", "robustness", "--pi-options", "stat-window=2", "--out", out},
      {"simulate", "--suite", "bakeoff", "--pi-options", "bogus=1", "--out", out},
    };
    for (String[] args : bad) {
      Result r = run(args);
      assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
      String first = r.err().lines().findFirst().orElse("");
      assertTrue(first.startsWith("simulate: "), first);
      assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
    assertFalse(Files.exists(dir.resolve("summary.json")), "nothing written on bad input");
  }

  @Test
  void badPiOptionsNameTheOptionAndTheValue(@TempDir Path dir) {
    Path out = dir.resolve("r");
    Result r =
        run(
            "simulate",
            "--suite",
            "robustness",
            "--quick",
            "--pi-options",
            "stat-window=2",
            "--out",
            out.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "simulate: --pi-options 'stat-window=2': pi.stat-window must be an integer >= 3, but was 2",
        r.err().lines().findFirst().orElse(""));
    assertFalse(Files.exists(out), "no results folder on bad input");
    r = run("simulate", "--suite", "gains", "--pi-options", "decay=1", "--out", out.toString());
    assertEquals(
        "simulate: --pi-options applies to --suite robustness or bakeoff only, but the suite was"
            + " 'gains'",
        r.err().lines().findFirst().orElse(""));
  }

  @Test
  void validationSuiteQuickPasses(@TempDir Path dir) throws Exception {
    Result r =
        run(
            "simulate",
            "--suite",
            "validation",
            "--quick",
            "--seeds",
            "2",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("validation", s.get("suite").asText());
    assertTrue(s.get("passed").asBoolean());
  }

  @Test
  void unknownSuiteNamesTheNewSuites(@TempDir Path dir) {
    Result r = run("simulate", "--suite", "nope", "--out", dir.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("stability-map") && r.err().contains("gains"), r.err());
  }

  @Test
  void bareStabilityMapSuiteQuickWritesItsSummary(@TempDir Path dir) throws Exception {
    Result r =
        run(
            "simulate",
            "--suite",
            "stability-map-bare",
            "--quick",
            "--seeds",
            "1",
            "--out",
            dir.toString(),
            "--quiet");
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    // the agreement goal is a check: exit 1 and the goal named when it is missed (the shipped
    // variant's summary is checked in StabilityMapSuiteTest)
    boolean met = s.get("agreement_goal_met").asBoolean();
    assertEquals(met ? 0 : 1, r.code(), r.out() + r.err());
    assertEquals(!met, r.err().contains("stability-map-bare: agreement"), r.err());
    assertEquals("stability-map-bare", s.get("suite").asText());
    assertEquals("bare", s.get("gear").asText());
    assertEquals(1, s.get("seeds").asInt());
    assertTrue(s.get("agreement").isNumber());
    assertTrue(r.out().contains("agreement"), r.out());
    assertTrue(Files.exists(dir.resolve("report.html")));
  }
}

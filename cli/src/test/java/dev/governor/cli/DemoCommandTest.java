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

class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void missingDatasetIsOneLineWithTheInstallCommandAndExit2() {
    Path out = tmp.resolve("d");
    Result r =
        run(
            "demo",
            "--dataset",
            "fashion-mnist",
            "--data-dir",
            tmp.resolve("nowhere").toString(),
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("sudo apt-get install dataset-fashion-mnist"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void badOptionsNameTheValue() {
    Result r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--lr",
            "-1",
            "--quiet",
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--lr must be finite and > 0, but was -1.0"), r.err());
    r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--policies",
            "nosuch",
            "--quiet",
            "--out",
            tmp.resolve("y").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("nosuch"), r.err());
    assertFalse(Files.exists(tmp.resolve("y")));
  }

  @Test
  void optimizerFlagSelectsTheMethodAndItsDefaultLrGrid() throws Exception {
    Path out = tmp.resolve("prodigy");
    Result r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--train-limit",
            "320",
            "--batch",
            "64",
            "--epochs",
            "1",
            "--policies",
            "constant",
            "--optimizer",
            "prodigy(d0=1e-5)",
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("optimizer prodigy(d0=1.0E-5)"), r.out());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals("prodigy(d0=1.0E-5)", s.get("optimizer").asText());
    // Prodigy's lr is a multiplier with default 1: the grid is 0.1, 1, 10
    assertEquals(0.1, s.get("initial_lrs").get(0).asDouble(), 1e-15);
    assertEquals(1.0, s.get("initial_lrs").get(1).asDouble(), 0.0);
    assertEquals(10.0, s.get("initial_lrs").get(2).asDouble(), 1e-15);
    assertEquals("prodigy(d0=1.0E-5)", s.get("runs").get(1).get("optimizer").asText());
    assertEquals(
        "prodigy(d0=1.0E-5)",
        dev.governor.telemetry.RunFolder.open(out.resolve("constant-lr1"))
            .header()
            .config()
            .get("optimizer"));

    Result bad =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--optimizer",
            "prodigy(lr=2)",
            "--quiet",
            "--out",
            tmp.resolve("z").toString());
    assertEquals(2, bad.code());
    assertEquals(
        "--optimizer: optimizer prodigy has no option 'lr'; its options are [beta1, beta2,"
            + " beta3, bias-correction, d-coef, d0, decouple, eps, growth-rate, safeguard-warmup]",
        bad.err()
            .strip()
            .lines()
            .reduce((a, b) -> b)
            .orElse("")
            .replaceFirst("^.*?--optimizer", "--optimizer"));
    assertFalse(Files.exists(tmp.resolve("z")));
  }

  /**
   * {@code demo --early-stop}: 192 examples of the synthetic teacher task memorized by the MLP in a
   * 240-step budget (20 epochs of 12 batches); the validation loss (every 100 steps, on the
   * 2000-example validation split) is lowest at step 100 and higher at 200 (measured: 2.086 and
   * above), so with patience 1 the run at the middle LR (3e-3) stops at step 200.
   */
  @Test
  void demoEarlyStopEndsRunsAndSaysWhere() throws Exception {
    Path out = tmp.resolve("demo-es");
    Result r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--train-limit",
            "192",
            "--batch",
            "16",
            "--epochs",
            "20",
            "--lr",
            "0.003",
            "--gear",
            "off",
            "--policies",
            "constant",
            "--early-stop",
            "val-loss(patience=1)",
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(3, s.get("runs").size());
    JsonNode mid = s.get("runs").get(1);
    JsonNode es = mid.get("early_stop");
    assertTrue(es.get("stopped").asBoolean(), mid.toString());
    assertEquals(es.get("best_step").asLong() + 100, es.get("stop_step").asLong());
    assertEquals(es.get("stop_step").asLong() + 1, mid.get("steps").asLong());
    assertTrue(
        r.out().contains("constant-lr1: early stop: after step " + es.get("stop_step").asLong()),
        r.out());
    for (JsonNode run : s.get("runs")) {
      assertTrue(run.has("early_stop"), run.toString());
    }
  }

  @Test
  void smallSyntheticDemoWritesTableSummaryAndReport() throws Exception {
    Path out = tmp.resolve("demo");
    Result r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--train-limit",
            "640",
            "--batch",
            "64",
            "--epochs",
            "1",
            "--policies",
            "cosine,sgdr",
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("test acc"), r.out());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(6, s.get("runs").size());
    JsonNode first = s.get("runs").get(0);
    for (String f :
        new String[] {
          "dataset",
          "model",
          "policy",
          "initial_lr",
          "epochs",
          "steps",
          "test_accuracy",
          "final_train_loss",
          "diverged",
          "wall_seconds",
          "steps_per_second"
        }) {
      assertTrue(first.has(f), "summary field " + f);
    }
    assertEquals(1e-4, first.get("initial_lr").asDouble(), 1e-12);
    assertEquals(10, first.get("steps").asLong()); // 640 / 64
    // every run's calibration, the temperature fitted on the validation split: the last 2000 of
    // the synthetic task's 20000 training examples, held out before the 640-example limit
    for (JsonNode run : s.get("runs")) {
      JsonNode c = run.get("calibration");
      assertTrue(c != null && c.isObject(), run.toString());
      for (String f :
          new String[] {"ece", "ece_equal_mass", "nll", "brier", "temperature", "ece_after"}) {
        assertTrue(c.get(f).isNumber(), "calibration field " + f + ": " + c);
      }
      assertEquals(2000, c.get("fit_examples").asInt());
      assertTrue(
          c.get("fit_split").asText().startsWith("the validation split: the last 2000"),
          c.toString());
      assertTrue(run.get("validation_split").asText().contains("[18000:20000]"), run.toString());
      assertTrue(c.get("fit_nll_after").asDouble() <= c.get("fit_nll").asDouble(), c.toString());
      // the reliability diagram: 15 bins whose counts cover every test example, before and after
      for (String k : new String[] {"reliability", "reliability_after"}) {
        JsonNode rel = c.get(k);
        assertEquals(15, rel.get("count").size(), k + ": " + rel);
        int sum = 0;
        for (JsonNode n : rel.get("count")) {
          sum += n.asInt();
        }
        assertEquals(c.get("test_examples").asInt(), sum, k + ": " + rel);
      }
    }
    // the run folder's own summary has it too
    JsonNode own = new ObjectMapper().readTree(out.resolve("cosine-lr1/summary.json").toFile());
    JsonNode same = null;
    for (JsonNode run : s.get("runs")) {
      if (run.get("policy").equals(own.get("policy"))) {
        same = run;
      }
    }
    assertEquals(own.get("calibration"), same.get("calibration"));
    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("data:image/png;base64,"));
    assertTrue(html.contains("Reliability diagram of "), "the calibration section");
    assertTrue(Files.isRegularFile(out.resolve("cosine-lr1").resolve("run.json")));
  }

  @Test
  void piPlusSfRunsPiOnScheduleFreeAdamWAtEachInitialLr() throws Exception {
    Path out = tmp.resolve("pisf");
    Result r =
        run(
            "demo",
            "--dataset",
            "synthetic",
            "--train-limit",
            "256",
            "--batch",
            "64",
            "--epochs",
            "1",
            "--policies",
            "pi+sf",
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode runs = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("runs");
    assertEquals(3, runs.size());
    double[] lrs = {1e-4, 1e-3, 1e-2};
    for (int i = 0; i < 3; i++) {
      JsonNode run = runs.get(i);
      assertTrue(run.get("optimizer").asText().startsWith("sf-adamw"), run.toString());
      String spec = run.get("policy").asText();
      assertTrue(spec.startsWith("pi(") && spec.contains("base=constant"), spec);
      assertTrue(spec.contains("optimizer=adaptive"), spec);
      assertEquals(lrs[i], run.get("initial_lr").asDouble(), 1e-15);
    }
  }
}

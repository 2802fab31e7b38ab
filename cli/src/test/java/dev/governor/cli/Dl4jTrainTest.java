package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.actors.RunSpec;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.TrainingTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Dl4jTrainTest {
  @TempDir Path tmp;

  static final Dl4jTrain.Runtime RT =
      new Dl4jTrain.Runtime(
          RunSpec.Mode.SYNC, RunSpec.ControllerPlacement.IN_PROCESS, Duration.ofSeconds(30), 20);

  @Test
  void trainsASyntheticMlpThroughTheActorsAndWritesTheSummary() throws Exception {
    TrainingTask task = new TrainingTask("synthetic", null, "mlp", 32, 2, 3, 960, 10);
    Path out = tmp.resolve("t");
    StringWriter so = new StringWriter();
    int code =
        Dl4jTrain.run(
            task,
            PolicySpec.parse("cosine(lr=0.003, t-max=60)"),
            out,
            RT,
            null,
            new PrintWriter(so, true),
            new PrintWriter(new StringWriter(), true));
    assertEquals(0, code, so.toString());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals("synthetic", s.get("dataset").asText());
    assertEquals("mlp", s.get("model").asText());
    assertEquals(0.003, s.get("initial_lr").asDouble(), 0.0);
    assertEquals(2, s.get("epochs").asInt());
    assertEquals(60, s.get("steps").asLong()); // 2 epochs x 960/32
    assertFalse(s.get("diverged").asBoolean());
    // 10 classes: chance is 0.1; 60 steps of Adam on the teacher task (Bayes accuracy ~0.8)
    // learn at least twice that
    assertTrue(s.get("test_accuracy").asDouble() > 0.2, s.toString());
    assertTrue(s.get("steps_per_second").asDouble() > 0);
    assertTrue(s.has("final_train_loss") && s.has("wall_seconds") && s.has("policy"));
    assertTrue(Files.readString(out.resolve("report.html")).contains("data:image/png;base64,"));
    // calibration on the 5000 synthetic test images, temperature fitted on the validation split:
    // the last 2000 (a tenth) of the synthetic task's 20000 training examples, held out before the
    // 960-example limit
    JsonNode c = s.get("calibration");
    assertEquals(5000, c.get("test_examples").asInt());
    assertEquals(2000, c.get("fit_examples").asInt());
    assertTrue(s.get("validation_split").asText().contains("[18000:20000]"), s.toString());
    assertEquals(15, c.get("bins").asInt());
    double t = c.get("temperature").asDouble();
    assertTrue(t >= 0.01 && t <= 100, c.toString());
    double ece = c.get("ece").asDouble();
    assertTrue(ece >= 0 && ece <= 1 && c.get("ece_after").asDouble() >= 0, c.toString());
    // a 10-class model that is not certain of every image has a positive NLL and Brier score
    assertTrue(c.get("nll").asDouble() > 0 && c.get("brier").asDouble() > 0, c.toString());
    assertTrue(so.toString().contains("calibration: ECE "), so.toString());
  }

  @Test
  void anLrFreeOptimizerRunsWithItsOwnDefaultLrAndIsRecorded() throws Exception {
    TrainingTask task =
        new TrainingTask(
            "synthetic", null, "mlp", 32, 1, 3, 640, 10, Dl4jOptimizer.parse("sf-adamw(warmup=5)"));
    Path out = tmp.resolve("sf");
    StringWriter so = new StringWriter();
    int code =
        Dl4jTrain.run(
            task,
            PolicySpec.parse("constant"),
            out,
            RT,
            null,
            new PrintWriter(so, true),
            new PrintWriter(new StringWriter(), true));
    assertEquals(0, code, so.toString());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals("sf-adamw(warmup=5)", s.get("optimizer").asText());
    // no lr given: the policy runs at SF-AdamW's published gamma, not Adam's 1e-3
    assertEquals(0.0025, s.get("initial_lr").asDouble(), 0.0);
    assertEquals(20, s.get("steps").asLong());
    assertTrue(s.get("test_accuracy").asDouble() > 0.2, s.toString()); // twice chance
    RunFolder f = RunFolder.open(out);
    assertEquals("sf-adamw(warmup=5)", f.header().config().get("optimizer"));
    assertEquals("constant(lr=0.0025)", f.header().policy().toString());
  }

  @Test
  void missingDatasetFailsBeforeTheRunFolderIsCreated() {
    TrainingTask task =
        new TrainingTask("fashion-mnist", tmp.resolve("none"), "mlp", 32, 1, 1, 0, 10);
    Path out = tmp.resolve("never");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Dl4jTrain.run(
                    task,
                    PolicySpec.parse("cosine"),
                    out,
                    RT,
                    null,
                    new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter())));
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  /**
   * {@code train --dataset synthetic --early-stop} through the actor runtime: 192 examples of the
   * teacher task (a fifth of its labels are noise) memorized by the MLP, the validation loss on the
   * 2000-example split every 100 steps; the run stops two evaluations after the best one, long
   * before its 200-epoch budget (1200 steps), with the stop in the telemetry and summary.json.
   */
  @Test
  void earlyStopEndsTheActorRunAndIsInTheTelemetryAndSummary() throws Exception {
    Path out = tmp.resolve("es");
    TestRuns.Result r =
        TestRuns.run(
            "train",
            "--dataset",
            "synthetic",
            "--train-limit",
            "192",
            "--batch",
            "32",
            "--epochs",
            "200",
            "--policy",
            "constant(lr=0.003)",
            "--early-stop",
            "val-loss(patience=2)",
            "--quiet",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    JsonNode es = s.get("early_stop");
    assertTrue(es.get("stopped").asBoolean(), s.toString());
    long stop = es.get("stop_step").asLong();
    long best = es.get("best_step").asLong();
    assertEquals(best + 200, stop, es.toString());
    assertEquals(stop + 1, s.get("steps").asLong());
    assertTrue(stop < 1200 - 1, es.toString());
    assertTrue(r.out().contains("early stop: after step " + stop + " of 1200"), r.out());
    // the best evaluation's validation loss is the minimum of those the telemetry recorded
    double min = Double.POSITIVE_INFINITY;
    long last = -1;
    try (java.util.stream.Stream<dev.governor.control.Observation> obs =
        RunFolder.open(out).observations()) {
      for (dev.governor.control.Observation o :
          (Iterable<dev.governor.control.Observation>) obs::iterator) {
        last = Math.max(last, o.step());
        if (!Double.isNaN(o.valLoss())) {
          min = Math.min(min, o.valLoss());
        }
      }
    }
    assertEquals(stop, last);
    assertEquals(min, es.get("best_val_loss").asDouble(), 0);
    // the telemetry's EARLY_STOP event: at the stop step, its detail the best evaluation's step
    java.util.List<dev.governor.telemetry.Event> stops;
    try (java.util.stream.Stream<dev.governor.telemetry.LogRecord> recs =
        RunFolder.open(out).telemetryRecords()) {
      stops =
          recs.filter(x -> x instanceof dev.governor.telemetry.LogRecord.Occurred)
              .map(x -> ((dev.governor.telemetry.LogRecord.Occurred) x).event())
              .filter(e -> e.kind() == dev.governor.telemetry.EventKind.EARLY_STOP)
              .toList();
    }
    assertEquals(1, stops.size(), stops.toString());
    assertEquals(stop, stops.get(0).step());
    assertEquals(best, stops.get(0).detail(), 0);
    assertEquals(1, r.out().lines().filter(l -> l.startsWith("early stop:")).count());
    assertEquals(
        "val-loss(patience=2, min-delta=0.0, warm-up=0, restore-best=true, gap=0)",
        RunFolder.open(out).header().config().get("early-stop"));
    // inspect reads the stop from the telemetry
    TestRuns.Result in = TestRuns.run("inspect", "--run", out.toString());
    assertTrue(in.out().toLowerCase(java.util.Locale.ROOT).contains("early_stop"), in.out());
    assertTrue(
        in.out().contains("after step " + stop + ", best evaluation at step " + best), in.out());
  }

  @Test
  void aBadEarlyStopSpecIsOneLineNamingTheKeyAndValue() {
    Path out = tmp.resolve("bad");
    TestRuns.Result r =
        TestRuns.run(
            "train",
            "--dataset",
            "synthetic",
            "--early-stop",
            "val-loss(patience=0)",
            "--quiet",
            "--out",
            out.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertEquals("train: --early-stop patience must be >= 1, but was 0", r.err().strip());
    assertFalse(Files.exists(out));
    r = TestRuns.run("demo", "--early-stop", "val-los", "--quiet", "--out", out.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(
        r.err()
            .strip()
            .endsWith(
                "--early-stop monitor must be val-loss, val-accuracy or gap, but was 'val-los'"),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}

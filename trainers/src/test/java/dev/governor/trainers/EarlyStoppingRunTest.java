package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.LogRecord;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Early stopping of a DL4J run on a task built to over-fit: 192 training examples of the teacher
 * task (labels drawn from a teacher's softmax, so about a fifth of them are "wrong") for the
 * built-in MLP (784-256-128-10, 235 146 parameters), Adam at 3e-3, the validation loss on 200
 * held-out examples every 10 steps. The model memorizes the noisy labels within a few hundred steps
 * (measured: validation loss 2.46 at step 0, about 1.63 near step 110, 3.4 by step 600 while the
 * training loss falls to 0.03), so early stopping must end the run long before the 3000-step
 * budget.
 */
class EarlyStoppingRunTest {
  @TempDir Path tmp;

  static final Datasets.Split DATA = Datasets.holdOut(Datasets.teacher(11, 392, 200).split(), 200);

  static final int EVERY = 10;
  static final int BUDGET = 3000;
  static final DataSet VAL = BatchStream.all(DATA.validation(), 0, DATA.validation().size());

  static Dl4jTrainer trainer(long modelSeed, String spec) {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), modelSeed);
    return Dl4jTrainer.builder(net, DATA.train())
        .batch(32)
        .seed(5)
        .validation(DATA.validation(), EVERY)
        .earlyStopping(EarlyStopping.Config.parse(spec))
        .build();
  }

  /** Runs until the trainer stops or the budget is spent; returns the observations. */
  static List<Observation> runToStop(GovernedRun run, long until) {
    List<Observation> obs = new ArrayList<>();
    while (run.nextStep() < until && !run.trainer().stopRequested()) {
      obs.add(run.step());
    }
    return obs;
  }

  @Test
  void stopsWithinThePatienceOfTheMinimumAndRestoresTheBestModelBitForBit() throws Exception {
    Dl4jTrainer t = trainer(1, "val-loss(patience=5)");
    Path dir = tmp.resolve("run");
    RunFolder folder =
        RunFolder.create(dir, RunHeader.of("es", Policies.create("constant").spec(), Map.of(), 1));
    List<Observation> obs;
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.003)"), folder)) {
      obs = runToStop(run, BUDGET);
    }
    assertTrue(t.stopRequested(), "the run used its whole budget");
    EarlyStopping.Status s = t.earlyStopping();
    long last = obs.get(obs.size() - 1).step();
    assertEquals(s.stopStep(), last);
    assertTrue(last < BUDGET / 2, "stopped at " + last);
    // the minimum of the validation losses the run measured, found independently of the rule
    double min = Double.POSITIVE_INFINITY;
    long argmin = -1;
    for (Observation o : obs) {
      if (!Double.isNaN(o.valLoss()) && o.valLoss() < min) {
        min = o.valLoss();
        argmin = o.step();
      }
    }
    assertEquals(argmin, s.bestStep());
    assertEquals(min, s.bestValLoss(), 0);
    // it stopped at the fifth evaluation after the minimum: within the patience of it
    assertEquals(argmin + 5 * EVERY, last);
    // the model over-fitted: the validation loss at the stop is above the minimum, and the
    // minimum is not at the first evaluations
    assertTrue(obs.get(obs.size() - 1).valLoss() > min, obs.get(obs.size() - 1).toString());
    assertTrue(argmin >= 3 * EVERY, "minimum at " + argmin);
    // the restored model's validation loss is the best one seen, bit for bit
    assertTrue(t.inEvalMode());
    assertEquals(Double.doubleToRawLongBits(min), Double.doubleToRawLongBits(t.score(VAL)));
    // the stop is an event in the telemetry: at the last step, detail = the best step
    List<Event> stops;
    try (Stream<LogRecord> records = RunFolder.open(dir).telemetryRecords()) {
      stops =
          records
              .filter(r -> r instanceof LogRecord.Occurred)
              .map(r -> ((LogRecord.Occurred) r).event())
              .filter(e -> e.kind() == EventKind.EARLY_STOP)
              .toList();
    }
    assertEquals(1, stops.size());
    assertEquals(last, stops.get(0).step());
    assertEquals(argmin, stops.get(0).detail(), 0);
  }

  @Test
  void aResumedRunStopsAtTheSameStepWithTheSameBestModel() throws Exception {
    String spec = "val-loss(patience=4, gap=6)";
    Dl4jTrainer a = trainer(2, spec);
    try (GovernedRun run = GovernedRun.of(a, Policies.create("constant(lr=0.003)"), null)) {
      runToStop(run, BUDGET);
    }
    assertTrue(a.stopRequested());
    EarlyStopping.Status sa = a.earlyStopping();
    // interrupted after the best evaluation was found and before the stop
    long cut = sa.bestStep() + EVERY + 3;
    Path ckpt = tmp.resolve("ckpt");
    Dl4jTrainer b = trainer(2, spec);
    try (GovernedRun run = GovernedRun.of(b, Policies.create("constant(lr=0.003)"), null)) {
      runToStop(run, cut);
      assertFalse(b.stopRequested());
      run.checkpoint(ckpt);
    }
    // a fresh process: another model seed proves that the state is loaded
    Dl4jTrainer c = trainer(3, spec);
    try (GovernedRun run = GovernedRun.of(c, Policies.create("constant(lr=0.003)"), null)) {
      run.resume(ckpt);
      assertEquals(cut, run.nextStep());
      runToStop(run, BUDGET);
    }
    assertTrue(c.stopRequested());
    assertEquals(sa, c.earlyStopping());
    assertEquals(a.nextStep(), c.nextStep());
    assertArrayEquals(
        a.model().params().toDoubleVector(), c.model().params().toDoubleVector(), 0.0);
  }

  @Test
  void theGapCriterionStopsTheOverfittingRunToo() {
    Dl4jTrainer t = trainer(1, "gap(patience=3)");
    List<Observation> obs;
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.003)"), null)) {
      obs = runToStop(run, BUDGET);
    }
    assertTrue(t.stopRequested());
    EarlyStopping.Status s = t.earlyStopping();
    assertTrue(s.reason().contains("generalization gap"), s.reason());
    // the last three evaluations' gaps (val − train loss at the step) rose one after the other
    List<Double> gaps = new ArrayList<>();
    for (Observation o : obs) {
      if (!Double.isNaN(o.valLoss())) {
        gaps.add(o.generalizationGap());
      }
    }
    int n = gaps.size();
    assertTrue(gaps.get(n - 1) > gaps.get(n - 2), gaps.toString());
    assertTrue(gaps.get(n - 2) > gaps.get(n - 3), gaps.toString());
    assertTrue(gaps.get(n - 3) > gaps.get(n - 4), gaps.toString());
    assertTrue(obs.size() < BUDGET, "stopped at " + obs.size());
  }

  @Test
  void earlyStoppingNeedsAValidationSet() {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), 1);
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                Dl4jTrainer.builder(net, DATA.train())
                    .earlyStopping(EarlyStopping.Config.parse("val-loss"))
                    .build());
    assertEquals("early stopping needs a validation set, but the trainer has none", e.getMessage());
  }

  /**
   * Through {@link TrainingTask#run} (the demo's path): the synthetic teacher task of 20000
   * examples, whose last 2000 are the validation split, limited to 192 training examples.
   */
  @Test
  void aTaskRunEndsAtTheStopAndItsFinalModelIsTheBest() {
    TrainingTask task =
        new TrainingTask(
            "synthetic",
            null,
            "mlp",
            32,
            200,
            7,
            192,
            EVERY,
            null,
            TrainingTask.DEFAULT_VALIDATION,
            EarlyStopping.Config.parse("val-loss(patience=4)"));
    Datasets.Split data = task.load();
    TrainingResult r = task.run(data, Policies.create("constant(lr=0.003)"), null, null);
    EarlyStopping.Status s = r.earlyStop();
    assertTrue(s.stopped(), s.toString());
    assertEquals(s.bestStep() + 4 * EVERY, s.stopStep());
    assertEquals(s.stopStep() + 1, r.steps());
    assertEquals(r.steps(), r.loss().length);
    assertTrue(r.steps() < 200 * 6, "stopped at " + r.steps());
    // 6 steps per epoch: the epochs begun
    assertEquals((int) ((r.steps() + 5) / 6), r.epochs());
    assertEquals(r.epochs(), r.epochAccuracy().length);
    // the calibration's fit split is the validation split, scored on the restored model: its NLL
    // at T = 1 is the best validation loss (float32 outputs: 1e-4 relative)
    assertEquals(2000, r.calibration().fitExamples());
    assertEquals(s.bestValLoss(), r.calibration().fitNllBefore(), 1e-4 * s.bestValLoss());
    // guard events do not include the stop
    assertTrue(r.events().stream().noneMatch(e -> e.kind() == EventKind.EARLY_STOP));
  }

  @Test
  void theEndOfTheBudgetEvaluatesTheLastModelAndKeepsTheBestOne() {
    // 60 steps while the validation loss still falls: the evaluations before steps 0, 10, ..., 50
    // and the last model's (after step 59) at the end, the best; its parameters stay
    Dl4jTrainer t = trainer(1, "val-loss(patience=1000)");
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.003)"), null)) {
      runToStop(run, 60);
      assertEquals(6, t.earlyStopping().evaluations());
      assertEquals(50, t.earlyStopping().bestStep());
      t.evalMode();
      double[] lastParams = ((MultiLayerNetwork) t.model()).params().toDoubleVector();
      double lastScore = t.score(VAL);
      t.trainMode();
      EarlyStopping.Status s = t.endOfBudget();
      assertEquals(7, s.evaluations());
      assertEquals(60, s.bestStep());
      assertFalse(s.stopped());
      assertTrue(t.inEvalMode());
      assertEquals(Double.doubleToRawLongBits(lastScore), Double.doubleToRawLongBits(s.best()));
      assertArrayEquals(lastParams, ((MultiLayerNetwork) t.model()).params().toDoubleVector());
    }
    // 300 steps, over-fitted by the end: the last model is counted but is not the best, and the
    // best evaluation's parameters are put back (its validation loss bit for bit)
    Dl4jTrainer o = trainer(1, "val-loss(patience=1000)");
    try (GovernedRun run = GovernedRun.of(o, Policies.create("constant(lr=0.003)"), null)) {
      runToStop(run, 300);
      EarlyStopping.Status before = o.earlyStopping();
      assertEquals(30, before.evaluations());
      EarlyStopping.Status s = o.endOfBudget();
      assertEquals(31, s.evaluations());
      assertEquals(before.bestStep(), s.bestStep());
      assertTrue(s.bestStep() < 290, s.toString());
      assertEquals(
          Double.doubleToRawLongBits(before.bestValLoss()),
          Double.doubleToRawLongBits(o.score(VAL)));
    }
  }

  @Test
  void restoreBestAlsoAppliesWhenTheBudgetRunsOut() {
    // patience too long to stop within 40 epochs (240 steps): the final model is still the best
    // evaluation's, not the last, whose validation loss is higher (the model over-fits from about
    // step 100)
    TrainingTask task =
        new TrainingTask(
            "synthetic",
            null,
            "mlp",
            32,
            40,
            7,
            192,
            EVERY,
            null,
            TrainingTask.DEFAULT_VALIDATION,
            EarlyStopping.Config.parse("val-loss(patience=1000)"));
    Datasets.Split data = task.load();
    TrainingResult r = task.run(data, Policies.create("constant(lr=0.003)"), null, null);
    EarlyStopping.Status s = r.earlyStop();
    assertFalse(s.stopped());
    assertEquals(240, r.steps());
    // the evaluations before steps 0, 10, ..., 230 and the last model's at the end of the budget
    assertEquals(25, s.evaluations());
    assertTrue(s.bestStep() < 230, s.toString());
    assertEquals(s.bestValLoss(), r.calibration().fitNllBefore(), 1e-4 * s.bestValLoss());
    TrainingResult last =
        task.withEarlyStopping(null).run(data, Policies.create("constant(lr=0.003)"), null, null);
    assertTrue(
        last.calibration().fitNllBefore() > r.calibration().fitNllBefore() * 1.01,
        last.calibration() + " vs " + r.calibration());
  }
}

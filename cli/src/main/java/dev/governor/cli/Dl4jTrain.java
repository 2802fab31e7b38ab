package dev.governor.cli;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.HtmlPage;
import dev.governor.report.TextTable;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryException;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jDisturbance;
import dev.governor.trainers.Dl4jTrainer;
import dev.governor.trainers.Evaluation;
import dev.governor.trainers.TrainingResult;
import dev.governor.trainers.TrainingTask;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * The Deeplearning4j side of {@code governor train --dataset ...}: a {@link TrainingTask}'s {@link
 * Dl4jTrainer} driven through the actor runtime (TrainerActor, queues, ControllerActor in this
 * process or {@code governor control} in another), then evaluated on the test set; {@code
 * summary.json} with the fields {@code dataset, model, optimizer, policy, initial_lr, epochs,
 * steps, test_accuracy, final_train_loss, diverged, wall_seconds, steps_per_second, calibration},
 * and {@code report.html} drawn from the telemetry queue.
 */
final class Dl4jTrain {
  private Dl4jTrain() {}

  /**
   * Actor-runtime options of the run.
   *
   * @param cluster the trainer node's settings when the controller is a cluster's entity, else null
   */
  record Runtime(
      RunSpec.Mode mode,
      RunSpec.ControllerPlacement controller,
      Duration decisionTimeout,
      long checkpointEvery,
      dev.governor.cluster.ClusterSettings cluster) {

    /** Options without a cluster. */
    Runtime(
        RunSpec.Mode mode,
        RunSpec.ControllerPlacement controller,
        Duration decisionTimeout,
        long checkpointEvery) {
      this(mode, controller, decisionTimeout, checkpointEvery, null);
    }
  }

  /**
   * The run.json configuration of a DL4J run of {@code task} started by {@code command}: the data
   * set, model, optimizer, batch, epochs, train limit, validation size and early stopping.
   */
  static Map<String, String> taskConfig(String command, TrainingTask task) {
    Map<String, String> c = new TreeMap<>();
    c.put("command", command);
    c.put("dataset", task.dataset());
    c.put("model", task.model());
    c.put("optimizer", task.optimizer().toString());
    c.put("batch", Integer.toString(task.batch()));
    c.put("epochs", Integer.toString(task.epochs()));
    c.put("train-limit", Integer.toString(task.trainLimit()));
    c.put("val-size", Integer.toString(task.valSize()));
    if (task.earlyStop() != null) {
      c.put("early-stop", task.earlyStop().toString());
    }
    return c;
  }

  /**
   * Runs the task under {@code policy} into the new run folder {@code out}; returns the exit code.
   *
   * @throws IllegalArgumentException (exit 2) for a missing dataset, a bad policy or an existing
   *     run folder — before anything is written
   */
  static int run(
      TrainingTask task,
      PolicySpec policy,
      Path out,
      Runtime rt,
      LongConsumer progress,
      PrintWriter stdout,
      PrintWriter stderr)
      throws InterruptedException {
    return run(task, policy, out, rt, progress, stdout, stderr, steps -> Dl4jDisturbance.NONE);
  }

  /**
   * {@link #run(TrainingTask, PolicySpec, Path, Runtime, LongConsumer, PrintWriter, PrintWriter)}
   * with the disturbance {@code disturbance} gives for the run's step budget applied to the
   * training batches (and, for a shift, to the validation and test sets).
   */
  static int run(
      TrainingTask task,
      PolicySpec policy,
      Path out,
      Runtime rt,
      LongConsumer progress,
      PrintWriter stdout,
      PrintWriter stderr,
      LongFunction<Dl4jDisturbance> disturbance)
      throws InterruptedException {
    // validates before anything is written; pi in the form it runs in (the Adam form's options)
    Policies.create(Dl4jSetup.forAdam(policy, 1000));
    Datasets.Split loaded = task.load();
    long steps = task.totalSteps(loaded);
    Dl4jDisturbance dist = disturbance.apply(steps);
    Datasets.Split data = dist.apply(loaded);
    // unless given: the optimizer's own default LR (Adam 1e-3 as the demo, not pi's SGD 0.1;
    // sf-adamw 0.0025; prodigy and dog 1) and horizons that end with the budget, as in the demo
    policy = Dl4jSetup.specFor(policy, task.optimizer().defaultLr(), steps);
    Policies.create(policy); // the spec as run, with the LR and budget filled in
    Map<String, String> config = taskConfig("train", task);
    if (dist.kind() != Dl4jDisturbance.Kind.NONE) {
      config.put("disturbance", dist.toString());
    }
    config.put("mode", rt.mode().toString());
    config.put("controller", rt.controller().toString());
    RunFolder folder;
    try {
      folder =
          RunFolder.create(out, RunHeader.of(RunHeader.idFor(out), policy, config, task.seed()));
    } catch (TelemetryException e) {
      throw new UserException(e.getMessage(), e);
    }
    AtomicReference<Dl4jTrainer> last = new AtomicReference<>();
    RunSpec spec =
        RunSpec.builder(
                folder.dir(),
                () -> {
                  Dl4jTrainer t = task.trainer(data, dist);
                  last.set(t);
                  return t;
                },
                policy,
                steps)
            .mode(rt.mode())
            .controller(rt.controller())
            .decisionTimeout(rt.decisionTimeout())
            .checkpointEvery(rt.checkpointEvery())
            .progress(progress == null ? s -> {} : progress)
            .build();
    long t0 = System.nanoTime();
    RunResult r =
        rt.cluster() != null
            ? ClusterTrain.run(spec, folder.header().runId(), rt.cluster())
            : ActorRuntime.run(spec);
    double wall = (System.nanoTime() - t0) / 1e9;

    TrainingResult res = fromTelemetry(task, data, policy, folder, last.get(), wall, r);
    folder.writeSummary(Dl4jReports.summary(res));
    HtmlPage rep =
        new HtmlPage(
            "governor train: "
                + policy
                + " on "
                + task.dataset()
                + " / "
                + task.model()
                + " with "
                + task.optimizer());
    List<List<String>> rows = new ArrayList<>();
    rows.add(Dl4jReports.header());
    rows.add(Dl4jReports.row(res));
    rep.table(rows);
    Dl4jReports.plots(rep, policy.name(), List.of(res));
    folder.writeReport(rep.html());
    TextTable.lines(rows).forEach(stdout::println);
    if (res.calibration() != null) {
      stdout.println(Dl4jReports.calibrationLine(res.calibration()));
    }
    if (res.earlyStop() != null) {
      stdout.println(Dl4jReports.earlyStopLine(res.earlyStop(), steps));
    }
    stdout.println("wrote run folder " + folder.dir());
    stdout.flush();
    if (!r.completed()) {
      stderr.println("train: the run did not complete: " + r.failure());
      stderr.flush();
      return Main.EXIT_CHECK_FAILED;
    }
    return 0;
  }

  /** The run's figures: trajectories from the telemetry queue, accuracy from the trained model. */
  static TrainingResult fromTelemetry(
      TrainingTask task,
      Datasets.Split data,
      PolicySpec policy,
      RunFolder folder,
      Dl4jTrainer trainer,
      double wall,
      RunResult r) {
    if (trainer != null && task.earlyStop() != null && !trainer.stopRequested()) {
      // a run that used its whole budget: its last model is one more evaluation, and with
      // restore-best the best evaluation's parameters are the final model
      trainer.endOfBudget();
    }
    // the steps run: the budget, or fewer when early stopping ended the run
    int n =
        (int)
            (trainer != null && trainer.stopRequested()
                ? trainer.nextStep()
                : task.totalSteps(data));
    double[] loss = new double[n];
    double[] lr = new double[n];
    double[] clip = new double[n];
    double[] wd = new double[n];
    java.util.Arrays.fill(loss, Double.NaN);
    try (Stream<Observation> observations = folder.observations()) {
      observations
          .filter(o -> o.step() >= 0 && o.step() < n)
          .forEach(
              o -> {
                int i = (int) o.step();
                loss[i] = o.loss();
                lr[i] = o.lr();
                clip[i] = o.clip();
                wd[i] = o.weightDecay();
              });
    }
    Evaluation ev =
        trainer == null ? new Evaluation(Double.NaN, Double.NaN, 0) : trainer.evaluate(data.test());
    int tail = (int) Math.max(1, Math.min(n, task.stepsPerEpoch(data) / 4));
    double fl = 0;
    for (int i = n - tail; i < n; i++) {
      fl += loss[i];
    }
    fl /= tail;
    return new TrainingResult(
        task.dataset(),
        task.model(),
        task.optimizer().toString(),
        policy.toString(),
        Policies.create(policy).initial().lr(),
        task.epochs(),
        r.stepsRun(),
        ev.accuracy(),
        fl,
        !Double.isFinite(fl) || !Double.isFinite(ev.loss()),
        wall,
        r.stepsRun() / wall,
        loss,
        lr,
        clip,
        wd,
        new double[] {ev.accuracy()},
        new double[] {ev.loss()},
        List.of(),
        trainer == null ? null : task.calibrate(trainer, data),
        TrainingTask.validationSplit(data),
        trainer == null ? null : trainer.earlyStopping());
  }
}

package dev.governor.cli;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.cluster.DataParallelPlant;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Progress;
import dev.governor.report.Series;
import dev.governor.sim.Disturbance;
import dev.governor.sim.OptimizerSpec;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.LogRecord;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor train}: trains a plant under a policy through the actor runtime — a {@code
 * TrainerActor} driving the plant, the telemetry and decision queues, and a {@code ControllerActor}
 * in this process or {@code governor control} in another. {@code --out} becomes a complete run
 * folder ({@code run.json}, queues, checkpoints, {@code summary.json}, {@code report.html}).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a plant under a policy through the actor runtime and the queues; --out becomes a run"
          + " folder that inspect, replay and export read.",
      "Example: governor train --plant nqm --dim 100 --policy cosine(lr=0.5,t-max=2000)"
          + " --steps 2000 --seed 1 --out runs/t1",
      "With --controller external, start 'governor control --run DIR' (before or after)."
    })
public final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--plant",
      description = "Simulated plant: nqm | rosenbrock | logreg (or a DL4J model: --dataset).")
  String plant;

  @Mixin DatasetOptions datasetOptions = new DatasetOptions();

  @Mixin ProblemOptions problemOptions = new ProblemOptions();

  @Option(
      names = "--optimizer",
      description =
          "A --plant's optimizer: "
              + ProblemOptions.OPTIMIZER_HELP
              + " A --dataset model's: adam (default) | sf-adamw | prodigy | dog, options in spec"
              + " form, e.g. sf-adamw(warmup=100); the policy's lr is then the method's own"
              + " (0.0025, 1, 1).")
  String optimizer;

  @Mixin DisturbanceOptions disturbanceOptions = new DisturbanceOptions();

  @Mixin PolicyOptions policyOptions = new PolicyOptions();

  @Option(names = "--steps", description = "Training steps (a plant; required with --plant).")
  long steps;

  @Option(names = "--seed", description = "Run seed; every random stream is split from it.")
  long seed = 1;

  @Option(
      names = "--out",
      description = "Run folder to create (must be new); with --resume, the run to continue.")
  Path out;

  @Option(
      names = "--force",
      description =
          "Create the run in a non-empty --out folder (its files are kept; never one holding a run"
              + " or a run's queues).")
  boolean force;

  @Option(
      names = "--resume",
      description =
          "Continue a stopped or crashed --plant run from its folder (--run DIR or --out DIR): its"
              + " last trainer checkpoint, decision queue and policy snapshot. Options given with"
              + " it must equal the run's (run.json); none are needed.")
  boolean resume;

  @Option(names = "--run", description = "--resume: the run folder to continue.")
  Path run;

  @Option(
      names = "--controller",
      description = "in-process | external | cluster (default in-process).")
  String controller = "in-process";

  @Option(
      names = "--cluster-seeds",
      description = "--controller cluster: HOST:PORT[,...] of the cluster's seed nodes.")
  String clusterSeeds;

  @Option(
      names = "--cluster-bind",
      description = "--controller cluster: this trainer node's HOST:PORT (default 127.0.0.1:0).")
  String clusterBind = "127.0.0.1:0";

  @Option(
      names = "--allow-non-loopback",
      description = "--controller cluster: allow addresses outside the loopback range.")
  boolean allowNonLoopback;

  @Option(names = "--mode", description = "sync | async (default sync).")
  String mode = "sync";

  @Option(
      names = "--decision-timeout",
      description = "Bound on a synchronous wait for a decision, in ms (default 10000).")
  long decisionTimeoutMs = 10_000;

  @Option(
      names = "--checkpoint-every",
      description = "Plant checkpoint period in steps, 0 = none (default 1000).")
  long checkpointEvery = 1000;

  @Option(
      names = "--ranks",
      description =
          "--plant nqm|rosenbrock|logreg with sgd: N simulated synchronous data-parallel ranks of"
              + " --batch each, gradients averaged (default 1).")
  int ranks = 1;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    Settings cfg = Settings.bind(spec, "train");
    PrintWriter stdout = spec.commandLine().getOut();
    RunSpec.Mode m = parseMode(mode);
    RunSpec.ControllerPlacement placement = parseController(controller);
    dev.governor.cluster.ClusterSettings cluster =
        controller.equals("cluster")
            ? ClusterTrain.settings(clusterSeeds, clusterBind, allowNonLoopback)
            : null;
    if (!(decisionTimeoutMs > 0)) {
      throw new UserException("--decision-timeout must be > 0 ms, but was " + decisionTimeoutMs);
    }
    if (checkpointEvery < 0) {
      throw new UserException("--checkpoint-every must be >= 0, but was " + checkpointEvery);
    }
    if (run != null && !resume) {
      throw new UserException(
          "--run names a run to continue and needs --resume (a new run takes --out), but was"
              + " given alone ("
              + run
              + ")");
    }
    if (resume) {
      if (run != null && out != null) {
        throw new UserException(
            "--resume takes the run folder from --run or --out, but both were given");
      }
      if (datasetOptions.dataset != null) {
        throw new UserException(
            "--resume continues --plant runs only, but --dataset was given ("
                + datasetOptions.dataset
                + ")");
      }
      if (run == null && out == null) {
        throw new UserException("--resume needs the run folder to continue: --run DIR");
      }
      RunFolder existing = TrainResume.openResumable(run != null ? run : out);
      if (TrainResume.identityOptions(spec).isEmpty()) { // only the folder: the run's own options
        return TrainResume.rerunWithStoredOptions(existing, quiet, spec);
      }
      out = existing.dir();
    } else if (out == null) {
      throw new UserException("--out (the run folder to create) must be given");
    }
    if (datasetOptions.dataset != null) {
      return datasetOptions.train(this, m, placement, cluster);
    }
    if (plant == null) {
      throw new UserException("--plant (nqm, rosenbrock or logreg) or --dataset must be given");
    }
    if (steps < 1) {
      throw new UserException("--steps must be >= 1, but was " + steps);
    }
    ProblemConfig problem = problemConfig();
    OptimizerSpec opt = OptimizerSpec.parse(optimizer == null ? "sgd" : optimizer);
    Disturbance dist = disturbanceOptions.disturbance(steps, problemOptions.batch);
    SimulatedTrainer.Config plantConfig =
        SimulatedTrainer.Config.of(problem, opt, seed).withDisturbance(dist);
    if (!(ranks >= 1) || (ranks > 1 && (optimizer != null && !optimizer.equals("sgd")))) {
      throw new UserException(
          "--ranks must be >= 1 (and > 1 only with the sgd optimizer), but was " + ranks);
    }
    if (ranks > 1 && !dist.equals(Disturbance.NONE)) {
      throw new UserException(
          "--ranks > 1 takes no --disturbance, but was " + disturbanceOptions.disturbance);
    }
    PolicySpec policySpec = policySpec();
    Policies.create(policySpec); // validates the policy and its options before anything is written

    Map<String, String> config = new TreeMap<>();
    config.put("command", "train");
    config.put("plant", plantConfig.problem().toString());
    config.put("optimizer", opt.toString());
    config.put("disturbance", disturbanceOptions.text(dist));
    config.put("steps", Long.toString(steps));
    config.put("mode", mode);
    config.put("controller", controller);
    config.put("decision-timeout-ms", Long.toString(decisionTimeoutMs));
    config.put("checkpoint-every", Long.toString(checkpointEvery));
    if (ranks > 1) {
      config.put("ranks", Integer.toString(ranks));
    }
    config.putAll(cfg.effective(spec, "train"));
    RunFolder folder;
    long resumeAfter = -1;
    if (resume) {
      folder = RunFolder.open(out);
      TrainResume.requireSameOptions(folder, policySpec, seed, config);
      resumeAfter = folder.lastObservedStep();
      if (!quiet) {
        System.err.println(
            "train: resuming "
                + folder.dir()
                + (resumeAfter < 0 ? " from the start" : " after step " + resumeAfter));
      }
    } else {
      config.put("args", TrainResume.argsJson(spec));
      try {
        folder =
            RunFolder.create(
                out, RunHeader.of(RunHeader.idFor(out), policySpec, config, seed), force);
      } catch (TelemetryException e) {
        throw new UserException(
            e.getMessage()
                + (Files.exists(out.resolve("run.json"))
                    ? " (or continue it: governor train --resume --run " + out + ")"
                    : ""),
            e);
      }
    }

    if (!quiet) {
      spec.commandLine().getErr().println(DashboardCommand.hint(folder.dir().getParent()));
      spec.commandLine().getErr().flush();
    }
    Progress bar = progress(steps);
    RunSpec run =
        RunSpec.builder(
                folder.dir(),
                ranks > 1
                    ? () -> new DataParallelPlant(problem, ranks, seed)
                    : () -> SimulatedTrainer.of(plantConfig),
                policySpec,
                steps)
            .mode(m)
            .controller(placement)
            .decisionTimeout(Duration.ofMillis(decisionTimeoutMs))
            .checkpointEvery(checkpointEvery)
            .progress(bar::stepTo)
            .build();
    if (placement == RunSpec.ControllerPlacement.EXTERNAL && cluster == null && !quiet) {
      System.err.println(
          "train: waiting on the decision queue; run 'governor control --run "
              + folder.dir()
              + "'");
    }
    long t0 = System.nanoTime();
    RunResult r;
    try {
      r =
          cluster != null
              ? ClusterTrain.run(run, folder.header().runId(), cluster)
              : ActorRuntime.run(run);
    } finally {
      bar.close();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, Object> summary = summary(r, policySpec, plantConfig, m, placement, seconds);
    if (resume) {
      summary.put("resumed_after_step", resumeAfter);
    }
    boolean diskFull = !r.completed() && r.failure() != null && r.failure().startsWith("disk full");
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      folder.writeSummary(summary);
      folder.writeReport(report(folder, r, policySpec));
    } catch (TelemetryException e) {
      if (!diskFull) {
        throw e;
      }
      // the disk is full: the summary and report wait for the resumed run
    }
    table(r, seconds).forEach(stdout::println);
    stdout.println("wrote run folder " + folder.dir());
    stdout.flush();
    if (diskFull) {
      stderr.println(
          "train: " + r.failure() + " ('governor train --resume --run " + folder.dir() + "')");
      stderr.flush();
      return Main.EXIT_DISK_FULL;
    }
    if (!r.completed()) {
      stderr.println("train: the run did not complete: " + r.failure());
      stderr.flush();
      return Main.EXIT_CHECK_FAILED;
    }
    return 0;
  }

  private static RunSpec.Mode parseMode(String s) {
    return switch (s) {
      case "sync" -> RunSpec.Mode.SYNC;
      case "async" -> RunSpec.Mode.ASYNC;
      default -> throw new UserException("--mode must be sync or async, but was '" + s + "'");
    };
  }

  private static RunSpec.ControllerPlacement parseController(String s) {
    return switch (s) {
      case "in-process" -> RunSpec.ControllerPlacement.IN_PROCESS;
      case "external", "cluster" -> RunSpec.ControllerPlacement.EXTERNAL;
      default ->
          throw new UserException(
              "--controller must be in-process, external or cluster, but was '" + s + "'");
    };
  }

  PolicySpec policySpec() {
    return policyOptions.spec(spec);
  }

  ProblemConfig problemConfig() {
    return problemOptions.config("--plant", plant);
  }

  /** The progress bar of a run of {@code max} steps (negative: unknown); none when quiet. */
  Progress progress(long max) {
    return quiet
        ? Progress.none()
        : Progress.bar("train", System.err).max(max).unit(" steps", 1).continuous().start();
  }

  private Map<String, Object> summary(
      RunResult r,
      PolicySpec policySpec,
      SimulatedTrainer.Config plantConfig,
      RunSpec.Mode m,
      RunSpec.ControllerPlacement placement,
      double seconds) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("command", "train");
    s.put("plant", plantConfig.problem().toString());
    s.put("optimizer", plantConfig.optimizer().toString());
    s.put("policy", policySpec.toString());
    s.put("seed", seed);
    s.put("steps", steps);
    s.put("mode", m.toString().toLowerCase(Locale.ROOT));
    s.put(
        "controller",
        placement == RunSpec.ControllerPlacement.EXTERNAL ? "external" : "in-process");
    s.put("completed", r.completed());
    s.put("failure", r.failure());
    s.put("steps_run", r.stepsRun());
    Observation last = r.last();
    s.put("final_loss", last == null ? null : last.loss());
    s.put("final_lr", last == null ? null : last.lr());
    s.put("decisions_applied", r.decisionsApplied());
    s.put("timeouts", r.timeouts());
    s.put("duplicates_ignored", r.duplicates());
    s.put("trainer_restarts", r.trainerRestarts());
    s.put("controller_restarts", r.controllerRestarts());
    s.put("replay_mismatches", r.replayMismatches());
    s.put("latency_p50_us", r.latencyP50Micros());
    s.put("latency_p99_us", r.latencyP99Micros());
    s.put("latency_max_us", r.latencyMaxMicros());
    s.put("mean_delay_steps", r.meanDelaySteps());
    s.put("max_delay_steps", r.maxDelaySteps());
    s.put("seconds", seconds);
    s.put("steps_per_second", seconds > 0 ? r.stepsRun() / seconds : null);
    return s;
  }

  private List<String> table(RunResult r, double seconds) {
    List<String> rows = new ArrayList<>();
    rows.add(
        String.format(
            Locale.ROOT,
            "%-10s %-6s %8s %12s %12s %8s %9s %9s %10s",
            "controller",
            "mode",
            "steps",
            "final loss",
            "final lr",
            "timeouts",
            "p50 us",
            "p99 us",
            "steps/s"));
    Observation last = r.last();
    rows.add(
        String.format(
            Locale.ROOT,
            "%-10s %-6s %8d %12.5g %12.5g %8d %9.1f %9.1f %10.0f",
            controller,
            mode,
            r.stepsRun(),
            last == null ? Double.NaN : last.loss(),
            last == null ? Double.NaN : last.lr(),
            r.timeouts(),
            r.latencyP50Micros(),
            r.latencyP99Micros(),
            seconds > 0 ? r.stepsRun() / seconds : Double.NaN));
    return rows;
  }

  /** The report: loss and learning rate by step, loop latency by step. */
  private String report(RunFolder folder, RunResult r, PolicySpec policySpec) {
    List<double[]> rows = new ArrayList<>();
    List<double[]> latency = new ArrayList<>();
    try (Stream<LogRecord> records = folder.telemetryRecords()) {
      records.forEach(
          rec -> {
            if (rec instanceof LogRecord.Observed ob) {
              Observation o = ob.observation();
              rows.add(new double[] {o.step(), o.loss(), o.lr()});
            } else if (rec instanceof LogRecord.Occurred oc
                && oc.event().kind() == EventKind.LATENCY) {
              latency.add(new double[] {oc.event().step(), oc.event().detail() / 1000.0});
            }
          });
    }
    double[] step = rows.stream().mapToDouble(a -> a[0]).toArray();
    HtmlPage rep = new HtmlPage("governor train: " + folder.dir().getFileName());
    rep.text(
        "Policy "
            + policySpec
            + "; "
            + controller
            + " controller, "
            + mode
            + " mode; "
            + r.stepsRun()
            + " steps, "
            + r.timeouts()
            + " time-outs, loop latency p50 "
            + String.format(Locale.ROOT, "%.1f", r.latencyP50Micros())
            + " us, p99 "
            + String.format(Locale.ROOT, "%.1f", r.latencyP99Micros())
            + " us.");
    Chart loss = Chart.of("Training loss", "step", "loss").logY();
    line(loss, "loss", step, rows.stream().mapToDouble(a -> a[1]).toArray());
    rep.chart(loss);
    Chart lrChart = Chart.of("Learning rate applied", "step", "lr").logY();
    line(lrChart, "lr", step, rows.stream().mapToDouble(a -> a[2]).toArray());
    rep.chart(lrChart);
    if (!latency.isEmpty()) {
      Chart lat = Chart.of("Loop latency (observation -> decision applied)", "step", "us").logY();
      line(
          lat,
          "latency",
          latency.stream().mapToDouble(a -> a[0]).toArray(),
          latency.stream().mapToDouble(a -> a[1]).toArray());
      rep.chart(lat);
    }
    return rep.html();
  }

  /** Most points drawn per series of the report; longer runs are thinned by bucket min/max. */
  static final int REPORT_POINTS = 4000;

  private static void line(Chart c, String name, double[] x, double[] y) {
    c.maxPoints(REPORT_POINTS).add(Series.line(name, x, y));
  }
}

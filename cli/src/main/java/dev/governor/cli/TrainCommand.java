package dev.governor.cli;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.cluster.DataParallelPlant;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Progress;
import dev.governor.sim.Disturbance;
import dev.governor.sim.OptimizerSpec;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
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
 * Continuing a run is {@link TrainResume}; what a {@code --plant} run writes at its end, {@link
 * TrainReport}; a {@code --dataset} model, {@link Dl4jTrain}.
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
    UserException.requireAtLeast("--checkpoint-every", checkpointEvery, 0);
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
    UserException.requireAtLeast("--steps", steps, 1);
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

    Map<String, Object> summary =
        TrainReport.summary(r, policySpec, plantConfig, seed, steps, m, placement, seconds);
    if (resume) {
      summary.put("resumed_after_step", resumeAfter);
    }
    boolean diskFull = !r.completed() && r.failure() != null && r.failure().startsWith("disk full");
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      folder.writeSummary(summary);
      folder.writeReport(TrainReport.page(folder, r, policySpec, controller, mode));
    } catch (TelemetryException e) {
      if (!diskFull) {
        throw e;
      }
      // the disk is full: the summary and report wait for the resumed run
    }
    TrainReport.table(r, seconds, controller, mode).forEach(stdout::println);
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
}

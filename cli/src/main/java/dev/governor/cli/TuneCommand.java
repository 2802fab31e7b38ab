package dev.governor.cli;

import dev.governor.control.PolicySpec;
import dev.governor.sim.Outcome;
import dev.governor.sim.TuneJob;
import dev.governor.sim.Tuner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor tune}: a fixed-budget search of a policy's options on a simulated problem,
 * training seeds for the search and held-out seeds for the score (see {@link TuneJob}).
 */
@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    description = {
      "Tune a policy's options on a simulated problem with a fixed number of trials (random,"
          + " Sobol or Bayesian search) on training seeds; score the best on held-out seeds."
          + " Writes OUT/summary.json and OUT/report.html.",
      "Example: governor tune --policy cosine --space 'lr=log:1e-4:10,t-max=log-int:500:4500'"
          + " --trials 16 --problem nqm --steps 3000 --out runs/tune1"
    })
public final class TuneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--policy", required = true, description = "The policy (name or spec) to tune.")
  String policy;

  @Option(
      names = "--space",
      required = true,
      description =
          "Search space: key=scale:lo:hi,... with scale linear | log | int | log-int, e.g."
              + " lr=log:1e-4:10,t-max=log-int:500:4500.")
  String space;

  @Option(names = "--trials", description = "Number of trials (default 16).")
  int trials = 16;

  @Option(names = "--method", description = "random | sobol | bayes (default sobol).")
  String method = "sobol";

  @Mixin SimulatedProblemOptions problem = new SimulatedProblemOptions();

  @Option(names = "--steps", description = "Steps per run (default 1000).")
  long steps = 1000;

  @Option(names = "--seeds", description = "Training seeds 101.. (default 5).")
  int seeds = 5;

  @Option(names = "--heldout-seeds", description = "Held-out seeds 1.. (default 5).")
  int heldoutSeeds = 5;

  @Mixin RunnerOptions running = new RunnerOptions();

  @Mixin ResultsFolderOptions results = new ResultsFolderOptions();

  @Override
  public Integer call() throws IOException {
    Settings.bind(spec, "tune");
    Path out = results.fresh();
    UserException.requireAtLeast("--trials", trials, 1);
    UserException.requireAtLeast("--seeds", seeds, 1);
    UserException.requireAtLeast("--heldout-seeds", heldoutSeeds, 1);
    UserException.requireAtLeast("--steps", steps, 1);
    Tuner.Space sp;
    Tuner.Method m;
    try {
      sp = Tuner.Space.parse(space);
    } catch (IllegalArgumentException e) {
      throw new UserException("--space: " + e.getMessage());
    }
    try {
      m = Tuner.Method.parse(method);
    } catch (IllegalArgumentException e) {
      throw new UserException("--method: " + e.getMessage());
    }
    List<Long> train = new ArrayList<>();
    for (int i = 0; i < seeds; i++) {
      train.add(101L + i);
    }
    List<Long> held = new ArrayList<>();
    for (int i = 0; i < heldoutSeeds; i++) {
      held.add(1L + i);
    }
    TuneJob job =
        new TuneJob(
            problem.config(),
            problem.optimizer,
            Settings.of(spec).policy(PolicySpec.parse(policy)),
            sp,
            trials,
            m,
            steps,
            train,
            held);
    Outcome o = job.run(running.runner());
    o.write(out);
    PrintWriter stdout = spec.commandLine().getOut();
    o.table().forEach(stdout::println);
    stdout.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.html"));
    stdout.flush();
    return 0;
  }
}

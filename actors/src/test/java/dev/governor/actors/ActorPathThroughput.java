package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A measurement for the issue note (not a test): steps/s of a simulated plant (NQM, the default
 * {@code pi} policy) driven by a plain loop against the same plant through the actor path (trainer
 * and controller actors, both queues) in synchronous and asynchronous mode; steady state between
 * the progress callbacks at steps W and W + M, median of rounds.
 *
 * <p>Usage: {@code java <chronicle flags> -cp ... dev.governor.actors.ActorPathThroughput [dim]
 * [steps] [rounds]}
 */
public final class ActorPathThroughput {
  private ActorPathThroughput() {}

  public static void main(String[] args) throws Exception {
    int dim = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    long steps = args.length > 1 ? Long.parseLong(args[1]) : 40_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    long w = steps / 4;
    long m = steps / 2;
    PolicySpec pi = PolicySpec.of("pi");
    String problem = "nqm(dim=" + dim + ")";
    double[] plain = new double[rounds];
    double[] sync = new double[rounds];
    double[] async = new double[rounds];
    Path root = Files.createTempDirectory("actor-throughput");
    for (int r = 0; r < rounds; r++) {
      plain[r] = plainLoop(problem, pi, w, m);
      sync[r] = actors(root.resolve("sync-" + r), problem, pi, steps, w, m, RunSpec.Mode.SYNC);
      async[r] = actors(root.resolve("async-" + r), problem, pi, steps, w, m, RunSpec.Mode.ASYNC);
    }
    System.out.printf(
        Locale.ROOT,
        "plant %s sgd, policy pi, %d steps, steady state %d..%d, %d rounds (medians)%n",
        problem,
        steps,
        w,
        w + m,
        rounds);
    System.out.printf(Locale.ROOT, "plain loop      %10.0f steps/s%n", median(plain));
    System.out.printf(
        Locale.ROOT,
        "actors, sync    %10.0f steps/s  ratio %.3f of the plain loop%n",
        median(sync),
        median(sync) / median(plain));
    System.out.printf(
        Locale.ROOT,
        "actors, async   %10.0f steps/s  ratio %.3f of the plain loop%n",
        median(async),
        median(async) / median(plain));
  }

  private static double plainLoop(String problem, PolicySpec spec, long w, long m) {
    Policy p = Policies.create(spec);
    Decision d = new Decision();
    long t0 = 0;
    try (SimulatedTrainer plant =
        SimulatedTrainer.of(SimulatedTrainer.Config.parse(problem, "sgd", 1))) {
      Hyperparameters h = p.initial();
      for (long t = 0; t < w + m; t++) {
        if (t == w) {
          t0 = System.nanoTime();
        }
        Observation o = plant.step(t, h);
        p.decide(o, d);
        h = d.hyperparameters();
      }
    }
    return m / ((System.nanoTime() - t0) / 1e9);
  }

  private static double actors(
      Path dir, String problem, PolicySpec spec, long steps, long w, long m, RunSpec.Mode mode)
      throws InterruptedException {
    RunFolder.create(dir, RunHeader.of("throughput", spec, Map.of("plant", problem), 1));
    long[] marks = new long[2];
    RunSpec run =
        RunSpec.builder(
                dir,
                () -> SimulatedTrainer.of(SimulatedTrainer.Config.parse(problem, "sgd", 1)),
                spec,
                steps)
            .mode(mode)
            .progress(
                s -> {
                  if (s == w) {
                    marks[0] = System.nanoTime();
                  } else if (s == w + m) {
                    marks[1] = System.nanoTime();
                  }
                })
            .build();
    RunResult r = ActorRuntime.run(run);
    System.out.printf(
        Locale.ROOT,
        "  %s: latency p50 %.1f us, p99 %.1f us, mean delay %.2f steps (max %d), %d applied%n",
        mode,
        r.latencyP50Micros(),
        r.latencyP99Micros(),
        r.meanDelaySteps(),
        r.maxDelaySteps(),
        r.decisionsApplied());
    return m / ((marks[1] - marks[0]) / 1e9);
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}

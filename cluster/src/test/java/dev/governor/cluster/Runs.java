package dev.governor.cluster;

import dev.governor.actors.RunSpec;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.Trainer;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.testkit.RunContents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Run folders, the reference plain loop and readers of what a run wrote (cluster tests). */
final class Runs {
  private Runs() {}

  /** The policy the cluster tests run: the PI policy with its defaults, at lr 0.5. */
  static final PolicySpec PI = PolicySpec.parse("pi").with("lr", 0.5);

  /** A small noisy quadratic plant (the one the CLI runs). */
  static Supplier<Trainer> nqm(long seed) {
    return () -> SimulatedTrainer.of(SimulatedTrainer.Config.parse("nqm(dim=20)", "sgd", seed));
  }

  /** Creates the run folder and a sync/external spec over it. */
  static RunSpec spec(Path dir, long seed, long steps, RunSpec.Mode mode) {
    RunFolder.create(dir, RunHeader.of("run-" + seed, PI, Map.of("plant", "nqm"), seed));
    return existingSpec(dir, seed, steps, mode);
  }

  /** A sync/external spec over an existing run folder (a resumed trainer). */
  static RunSpec existingSpec(Path dir, long seed, long steps, RunSpec.Mode mode) {
    return RunSpec.builder(dir, nqm(seed), PI, steps)
        .mode(mode)
        .controller(RunSpec.ControllerPlacement.EXTERNAL)
        .decisionTimeout(Duration.ofSeconds(60))
        .checkpointEvery(50)
        .snapshotEvery(40)
        .build();
  }

  /** What the plant and the policy give when driven by a plain loop in one thread. */
  static List<Decision> plainLoop(Trainer plant, Policy policy, long steps) {
    List<Decision> dec = new ArrayList<>();
    Hyperparameters h = policy.initial();
    try (plant) {
      for (long t = 0; t < steps; t++) {
        Observation o = plant.step(t, h);
        Decision d = new Decision();
        policy.decide(o, d);
        d.step = t;
        dec.add(d);
        h = d.hyperparameters();
      }
    }
    return dec;
  }

  static List<Decision> plainLoop(long seed, long steps) {
    return plainLoop(nqm(seed).get(), Policies.create(PI), steps);
  }

  static List<Observation> observations(Path run) {
    return RunContents.observations(run);
  }

  static List<Decision> decisions(Path run) {
    return RunContents.decisions(run);
  }

  /** How many decisions the run's queue holds (0 while the queue does not exist yet). */
  static int decisionCount(Path run) {
    try {
      return decisions(run).size();
    } catch (dev.governor.telemetry.TelemetryException e) {
      return 0;
    }
  }

  /**
   * Every field of two decisions, doubles by their bits; null when equal, else the first
   * difference.
   */
  static String difference(Decision a, Decision b) {
    String[] names = {
      "lr", "clip", "weightDecay", "lrMeasurement", "lrError", "lrIntegral", "clipMeasurement",
      "clipError", "clipIntegral", "wdMeasurement", "wdError", "wdIntegral", "lossZ", "gradZ"
    };
    double[] x = fields(a);
    double[] y = fields(b);
    if (a.step != b.step) {
      return "step " + a.step + " vs " + b.step;
    }
    for (int i = 0; i < x.length; i++) {
      if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
        return "step " + a.step + " " + names[i] + " " + x[i] + " vs " + y[i];
      }
    }
    if (a.action != b.action || a.faults != b.faults || a.layerCount != b.layerCount) {
      return "step " + a.step + " action/faults/layers differ";
    }
    return null;
  }

  private static double[] fields(Decision d) {
    return new double[] {
      d.lr, d.clip, d.weightDecay, d.lrMeasurement, d.lrError, d.lrIntegral, d.clipMeasurement,
      d.clipError, d.clipIntegral, d.wdMeasurement, d.wdError, d.wdIntegral, d.lossZ, d.gradZ
    };
  }

  /** A port that was free on the loopback interface a moment ago. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

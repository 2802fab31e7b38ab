package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.Trainer;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Run folders and the reference plain loop (readers of what a run wrote: {@code RunContents}). */
final class Fixtures {
  private Fixtures() {}

  static final PolicySpec FEEDBACK = PolicySpec.of("feedback").with("lr", 0.5);

  /** A small noisy quadratic plant (the simulations module's, the one the CLI runs). */
  static Supplier<Trainer> nqm(long seed) {
    return () -> SimulatedTrainer.of(SimulatedTrainer.Config.parse("nqm(dim=20)", "sgd", seed));
  }

  static Supplier<Policy> feedback() {
    return () -> new FeedbackPolicy(0.5);
  }

  /** Creates the run folder with a header naming {@code policy}. */
  static Path folder(Path dir, PolicySpec policy, long seed) {
    RunFolder.create(dir, RunHeader.of("test-" + seed, policy, Map.of("plant", "nqm"), seed));
    return dir;
  }

  /** What a run of {@code steps} gives when the plant and the policy are driven by a plain loop. */
  record Reference(List<Observation> observations, List<Decision> decisions) {}

  static Reference plainLoop(Trainer plant, Policy policy, long steps) {
    List<Observation> obs = new ArrayList<>();
    List<Decision> dec = new ArrayList<>();
    Hyperparameters h = policy.initial();
    try (plant) {
      for (long t = 0; t < steps; t++) {
        Observation o = plant.step(t, h);
        obs.add(o);
        Decision d = new Decision();
        policy.decide(o, d);
        d.step = t;
        dec.add(d);
        h = d.hyperparameters();
      }
    }
    return new Reference(obs, dec);
  }
}

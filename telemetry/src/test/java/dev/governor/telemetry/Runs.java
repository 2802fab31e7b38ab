package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Records small runs the way the actor runtime does: observation t, then the decision after it. */
final class Runs {
  private Runs() {}

  /** A run of {@code steps} steps of {@link #plant} under {@code spec}. */
  static RunFolder record(Path dir, PolicySpec spec, int steps) {
    return record(dir, spec, steps, UnaryOperator.identity());
  }

  /** As above; {@code tamper} may change each decision before it is recorded. */
  static RunFolder record(Path dir, PolicySpec spec, int steps, UnaryOperator<Decision> tamper) {
    RunFolder run =
        RunFolder.create(
            dir,
            new RunHeader(
                dir.getFileName().toString(),
                spec,
                Map.of("steps", "" + steps),
                7,
                RunHeader.currentVersions(),
                "2026-01-01T00:00:00Z"));
    Policy p = Policies.create(spec);
    Hyperparameters h = p.initial();
    Decision d = new Decision();
    try (TelemetryLog tl = run.openTelemetry();
        DecisionLog dl = run.openDecisions();
        TelemetryLog.Appender ta = tl.appender();
        DecisionLog.Appender da = dl.appender()) {
      for (int s = 0; s < steps; s++) {
        Observation o = plant(s, h);
        ta.append(o);
        p.decide(o, d);
        da.append(tamper.apply(d));
        h = d.hyperparameters();
      }
    }
    return run;
  }

  /**
   * A made-up plant: the loss falls like 2/(1 + lr·t) with a plateau and a spike, the gradient norm
   * follows the loss; the applied hyperparameters are recorded as applied.
   */
  static Observation plant(long s, Hyperparameters h) {
    double loss = s < 30 ? 2.0 / (1 + 0.05 * s) : 2.0 / (1 + 0.05 * 30) + (s == 45 ? 3.0 : 0.0);
    return Observation.builder(s)
        .loss(loss)
        .gradNorm(0.5 + loss + (s % 5) * 0.1)
        .paramNorm(10)
        .updateNorm(h.lr() * 0.1)
        .batchSize(32)
        .applied(h)
        .layerGradNorms(0.3 * loss, 0.4 * loss)
        .build();
  }
}

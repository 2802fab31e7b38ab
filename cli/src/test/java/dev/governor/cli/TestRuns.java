package dev.governor.cli;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Small recorded runs and a command-line runner for the CLI tests. */
final class TestRuns {
  private TestRuns() {}

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  static RunFolder record(Path dir, PolicySpec spec, int steps, UnaryOperator<Decision> tamper) {
    RunFolder run =
        RunFolder.create(
            dir,
            new RunHeader(
                "test-run",
                spec,
                Map.of(),
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

  /** loss 2/(1 + 0.05 t) until t = 30, then flat at 0.8 with a spike of +3 at t = 45. */
  static double loss(long s) {
    return s < 30 ? 2.0 / (1 + 0.05 * s) : 0.8 + (s == 45 ? 3.0 : 0.0);
  }

  static Observation plant(long s, Hyperparameters h) {
    double loss = loss(s);
    return Observation.builder(s)
        .epoch((int) (s / 50))
        .loss(loss)
        .gradNorm(0.5 + loss + (s % 5) * 0.1)
        .paramNorm(10)
        .updateNorm(h.lr() * 0.1)
        .batchSize(32)
        .applied(h)
        .build();
  }
}

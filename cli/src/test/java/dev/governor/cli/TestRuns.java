package dev.governor.cli;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import dev.governor.testkit.RunBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Small recorded runs, a command-line runner and a child-JVM launcher for the CLI tests. */
final class TestRuns {
  private TestRuns() {}

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * A child JVM running {@code governor args}: this JVM's {@code --add-*} and {@code -Xmx} flags,
   * then {@code jvmOptions} (a later {@code -Xmx} wins), this JVM's class path; stderr goes to
   * stdout.
   */
  static ProcessBuilder childJvm(List<String> args, String... jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("-Xmx")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  static RunFolder record(Path dir, PolicySpec spec, int steps, UnaryOperator<Decision> tamper) {
    RunFolder run = RunBuilder.at(dir).id("test-run").policy(spec).seed(7).create();
    return RunBuilder.record(run, Policies.create(spec), steps, TestRuns::plant, tamper);
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

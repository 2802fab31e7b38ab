package dev.governor.testkit;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryLog;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Builds run folders for tests: a header with a fixed start time ({@value #START_TIME}) and this
 * build's versions, so what a test writes does not depend on the clock; then observations, or a
 * closed loop of a policy over a plant function, written with the telemetry API.
 *
 * <pre>{@code
 * RunFolder run = RunBuilder.at(tmp.resolve("r")).id("hot").policy("constant(lr=0.01)").create();
 * RunBuilder.append(run, observations);
 * }</pre>
 */
public final class RunBuilder {
  /** The start time every built run's header carries. */
  public static final String START_TIME = "2026-01-01T00:00:00Z";

  private final Path dir;
  private String id;
  private PolicySpec policy = PolicySpec.parse("pi");
  private long seed = 1;
  private final Map<String, String> config = new TreeMap<>();

  private RunBuilder(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir must not be null");
    this.id = RunHeader.idFor(dir);
  }

  /** A builder of the run folder {@code dir}; the run id defaults to {@link RunHeader#idFor}. */
  public static RunBuilder at(Path dir) {
    return new RunBuilder(dir);
  }

  /** The run id of {@code run.json}. */
  public RunBuilder id(String id) {
    this.id = Objects.requireNonNull(id, "id must not be null");
    return this;
  }

  /** The run's policy (default {@code pi}). */
  public RunBuilder policy(PolicySpec policy) {
    this.policy = Objects.requireNonNull(policy, "policy must not be null");
    return this;
  }

  /** The run's policy as spec text, e.g. {@code constant(lr=0.01)}. */
  public RunBuilder policy(String spec) {
    return policy(PolicySpec.parse(spec));
  }

  /** The run's seed (default 1). */
  public RunBuilder seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** A configuration entry of {@code run.json}. */
  public RunBuilder config(String key, String value) {
    config.put(key, value);
    return this;
  }

  /** Creates the folder and its {@code run.json}; the folder must be new or empty. */
  public RunFolder create() {
    return RunFolder.create(
        dir, new RunHeader(id, policy, config, seed, RunHeader.currentVersions(), START_TIME));
  }

  /** Appends {@code observations} to {@code run}'s telemetry queue, in order. */
  public static RunFolder append(RunFolder run, Iterable<Observation> observations) {
    try (TelemetryLog tl = run.openTelemetry();
        TelemetryLog.Appender a = tl.appender()) {
      observations.forEach(a::append);
    }
    return run;
  }

  /**
   * Runs {@code policy} in a closed loop over {@code plant} for {@code steps} steps, writing each
   * observation and each decision (through {@code tamper}, which may change it before it is
   * written; {@link UnaryOperator#identity()} for none) to {@code run}'s queues.
   *
   * @param plant the observation of a step under the hyperparameters decided before it
   */
  public static RunFolder record(
      RunFolder run,
      Policy policy,
      long steps,
      BiFunction<Long, Hyperparameters, Observation> plant,
      UnaryOperator<Decision> tamper) {
    Hyperparameters h = policy.initial();
    Decision d = new Decision();
    try (TelemetryLog tl = run.openTelemetry();
        DecisionLog dl = run.openDecisions();
        TelemetryLog.Appender ta = tl.appender();
        DecisionLog.Appender da = dl.appender()) {
      for (long s = 0; s < steps; s++) {
        Observation o = plant.apply(s, h);
        ta.append(o);
        policy.decide(o, d);
        da.append(tamper.apply(d));
        h = d.hyperparameters();
      }
    }
    return run;
  }
}

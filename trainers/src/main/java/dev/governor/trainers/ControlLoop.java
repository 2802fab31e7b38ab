package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicyState;
import dev.governor.report.AtomicFile;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

/**
 * The synchronous in-process control loop: hyperparameters h_t → plant step → observation →
 * telemetry → policy → decision → decision log → h_{t+1}. The same loop serves the embedded API and
 * the CLI's in-process runs; the logs are optional (null = not recorded).
 *
 * <p>A decision is validated ({@link Decision#hyperparameters()}) before it can be applied: a
 * policy that writes a value out of its domain stops the loop with an {@link IllegalStateException}
 * naming the value, and the network never sees it. Not thread-safe.
 */
final class ControlLoop implements AutoCloseable {
  private final Policy policy;
  private final TelemetryLog.Appender telemetry;
  private final DecisionLog.Appender decisions;
  private final Decision decision = new Decision();
  private Hyperparameters next;
  private long step;
  private List<TrainerEvent> lastEvents = List.of();

  /** What the loop drives: a step function and the guard events it carried out. */
  interface Plant {
    Observation step(long step, Hyperparameters h);

    List<TrainerEvent> drainEvents();
  }

  ControlLoop(Policy policy, TelemetryLog telemetryLog, DecisionLog decisionLog) {
    this.policy = policy;
    this.telemetry = telemetryLog == null ? null : telemetryLog.appender();
    this.decisions = decisionLog == null ? null : decisionLog.appender();
    this.next = policy.initial();
  }

  /** The hyperparameters the next step will run with. */
  Hyperparameters next() {
    return next;
  }

  /** Index of the next step. */
  long step() {
    return step;
  }

  /** The last decision (with the controller internals); step −1 before the first. */
  Decision lastDecision() {
    return decision;
  }

  /** The guard events of the last step. */
  List<TrainerEvent> lastEvents() {
    return lastEvents;
  }

  Policy policy() {
    return policy;
  }

  /**
   * Runs one step of the plant with the current hyperparameters, records the observation and the
   * plant's events, asks the policy, records and validates its decision.
   *
   * @throws IllegalStateException when the policy decided a value out of its domain
   */
  Observation advance(Plant plant) {
    Observation obs = plant.step(step, next);
    List<TrainerEvent> events = plant.drainEvents();
    lastEvents = events;
    for (TrainerEvent e : events) {
      if (telemetry != null) {
        telemetry.appendEvent(e.kind(), e.step(), e.detail());
      }
    }
    if (telemetry != null) {
      telemetry.append(obs);
    }
    policy.decide(obs, decision);
    Hyperparameters h;
    try {
      h = decision.hyperparameters();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "policy "
              + policy.spec()
              + " decided an invalid value after step "
              + obs.step()
              + ": "
              + e.getMessage()
              + "; the run stops before it can reach the network",
          e);
    }
    if (decisions != null) {
      decisions.append(decision);
    }
    next = h;
    step = obs.step() + 1;
    return obs;
  }

  /** Forces the logs to disk. */
  void sync() {
    if (telemetry != null) {
      telemetry.sync();
    }
    if (decisions != null) {
      decisions.sync();
    }
  }

  /** Writes the loop's state (step, next hyperparameters, policy state) into {@code dir}. */
  void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("format", "governor-loop-1");
    p.setProperty("step", Long.toString(step));
    p.setProperty("policy", policy.spec().toString());
    p.setProperty("lr", bits(next.lr()));
    p.setProperty("clip", bits(next.clip()));
    p.setProperty("wd", bits(next.weightDecay()));
    p.setProperty("action", next.action().name());
    double[] m = next.layerLrMultipliers();
    p.setProperty("multipliers", Integer.toString(m.length));
    for (int i = 0; i < m.length; i++) {
      p.setProperty("multiplier." + i, bits(m[i]));
    }
    PolicyState s = policy.snapshot();
    p.setProperty("policyState.name", s.policy());
    p.setProperty("policyState.bytes", Base64.getEncoder().encodeToString(s.bytes()));
    AtomicFile.write(
        dir.resolve("loop.properties"), out -> p.store(out, "Governor control-loop checkpoint"));
    sync();
  }

  /**
   * Restores a state written by {@link #save(Path)} of a loop with the same policy spec.
   *
   * @throws IllegalArgumentException naming the file when it is missing, of another policy or
   *     damaged
   */
  void load(Path dir) throws IOException {
    Path f = dir.resolve("loop.properties");
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no loop.properties");
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
    }
    if (!policy.spec().toString().equals(p.getProperty("policy"))) {
      throw new IllegalArgumentException(
          f + " is for policy " + p.getProperty("policy") + ", but this run's is " + policy.spec());
    }
    try {
      int n = Integer.parseInt(p.getProperty("multipliers"));
      double[] m = new double[n];
      for (int i = 0; i < n; i++) {
        m[i] = unbits(p.getProperty("multiplier." + i));
      }
      Hyperparameters h =
          new Hyperparameters(
              unbits(p.getProperty("lr")),
              unbits(p.getProperty("clip")),
              unbits(p.getProperty("wd")),
              m,
              GuardAction.valueOf(p.getProperty("action")));
      policy.restore(
          new PolicyState(
              p.getProperty("policyState.name"),
              Base64.getDecoder().decode(p.getProperty("policyState.bytes"))));
      next = h;
      step = Long.parseLong(p.getProperty("step"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(f + " is damaged: " + e.getMessage(), e);
    }
  }

  private static String bits(double v) {
    return Long.toString(Double.doubleToRawLongBits(v));
  }

  private static double unbits(String s) {
    return Double.longBitsToDouble(Long.parseLong(s));
  }

  @Override
  public void close() {
    if (telemetry != null) {
      telemetry.close();
    }
    if (decisions != null) {
      decisions.close();
    }
  }
}

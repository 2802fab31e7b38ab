package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicyState;
import dev.governor.report.AtomicFile;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.PolicyStateCodec;
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

  /** The loop's file of a checkpoint directory: step, policy spec, next hyperparameters. */
  static final String LOOP_FILE = "loop.properties";

  /** The policy's file of a checkpoint directory, in {@link PolicyStateCodec}'s encoding. */
  static final String POLICY_FILE = "policy.state";

  /** {@code format} of a checkpoint whose policy state is {@link #POLICY_FILE}. */
  static final String FORMAT = "governor-loop-2";

  /**
   * {@code format} of a checkpoint whose policy state is the Base64 text of its {@code
   * policyState.bytes} key (read, no longer written).
   */
  static final String FORMAT_1 = "governor-loop-1";

  /**
   * Writes the loop's state into {@code dir}: the policy's snapshot, taken after step {@code step()
   * − 1}, as {@value #POLICY_FILE} ({@link PolicyStateCodec}: binary with a CRC-32), then {@value
   * #LOOP_FILE} with the step, the policy spec and the next hyperparameters (doubles as raw
   * IEEE-754 bits, so NaN and infinities need no spelling). Each file is replaced atomically
   * ({@link AtomicFile}); a save interrupted between the two leaves files of different steps, which
   * {@link #load} refuses.
   */
  void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("format", FORMAT);
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
    AtomicFile.write(
        dir.resolve(POLICY_FILE), PolicyStateCodec.encode(policy.snapshot(), step - 1));
    AtomicFile.write(
        dir.resolve(LOOP_FILE), out -> p.store(out, "Governor control-loop checkpoint"));
    sync();
  }

  /**
   * Restores a state written by {@link #save(Path)} of a loop with the same policy spec. Reads both
   * formats: {@value #FORMAT} (the policy state in {@value #POLICY_FILE}) and {@value #FORMAT_1}
   * (the policy state as Base64 text in {@value #LOOP_FILE}, as checkpoints written before the
   * codec hold it).
   *
   * @throws IllegalArgumentException naming the file when it is missing, of another policy or
   *     damaged, or when the two files are of different steps
   */
  void load(Path dir) throws IOException {
    Path f = dir.resolve(LOOP_FILE);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no " + LOOP_FILE);
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
    }
    if (!policy.spec().toString().equals(p.getProperty("policy"))) {
      throw new IllegalArgumentException(
          f + " is for policy " + p.getProperty("policy") + ", but this run's is " + policy.spec());
    }
    String format = p.getProperty("format");
    if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
      throw new IllegalArgumentException(
          f + " format must be " + FORMAT + " or " + FORMAT_1 + ", but was " + format);
    }
    Hyperparameters h;
    long at;
    try {
      int n = Integer.parseInt(p.getProperty("multipliers"));
      double[] m = new double[n];
      for (int i = 0; i < n; i++) {
        m[i] = unbits(p.getProperty("multiplier." + i));
      }
      h =
          new Hyperparameters(
              unbits(p.getProperty("lr")),
              unbits(p.getProperty("clip")),
              unbits(p.getProperty("wd")),
              m,
              GuardAction.valueOf(p.getProperty("action")));
      at = Long.parseLong(p.getProperty("step"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(f + " is damaged: " + e.getMessage(), e);
    }
    PolicyState state = FORMAT.equals(format) ? policyState(dir, at) : policyState1(f, p);
    try {
      policy.restore(state);
    } catch (RuntimeException e) {
      Path from = FORMAT.equals(format) ? dir.resolve(POLICY_FILE) : f;
      throw new IllegalArgumentException(from + " is damaged: " + e.getMessage(), e);
    }
    next = h;
    step = at;
  }

  /** The policy state of {@value #POLICY_FILE}, which must be taken after step {@code at − 1}. */
  private static PolicyState policyState(Path dir, long at) throws IOException {
    Path f = dir.resolve(POLICY_FILE);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no " + POLICY_FILE);
    }
    PolicyStateCodec.Snapshot s;
    try {
      s = PolicyStateCodec.decode(Files.readAllBytes(f));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(f + " is damaged: " + e.getMessage(), e);
    }
    if (s.step() != at - 1) {
      throw new IllegalArgumentException(
          f
              + " was taken after step "
              + s.step()
              + ", but "
              + LOOP_FILE
              + " continues at step "
              + at
              + " (a save was interrupted)");
    }
    return s.state();
  }

  /** The policy state of a {@value #FORMAT_1} checkpoint: Base64 text in the loop's file. */
  private static PolicyState policyState1(Path f, Properties p) {
    String name = p.getProperty("policyState.name");
    String text = p.getProperty("policyState.bytes");
    if (name == null || text == null) {
      throw new IllegalArgumentException(
          f + " is damaged: it has no policyState.name and policyState.bytes");
    }
    try {
      return new PolicyState(name, Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
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

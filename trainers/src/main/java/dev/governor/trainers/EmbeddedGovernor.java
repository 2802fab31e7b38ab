package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.PiPolicyConfig;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.Schedule;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The {@link Governor} implementation: the {@link GovernedStep} attached to the network, with the
 * control loop answering in {@code iterationDone}, so that the network's own {@code fit} (and
 * anything that calls it) runs the governed step. After each step the observation goes to the
 * {@link ControlLoop} (telemetry, policy, validated decision), whose decision sets the rates of the
 * next step and carries out its guard action right away (DL4J then counts the iteration and applies
 * the weight constraints, as after any update).
 */
final class EmbeddedGovernor implements Governor, ControlLoop.Plant {
  private final GovernedStep core;
  private final Net net;
  private final ControlLoop loop;
  private final TelemetryLog telemetryLog;
  private final DecisionLog decisionLog;
  private Observation built;
  private Observation last;
  private boolean closed;

  /**
   * The decisions by step for followers on other threads (ParallelWrapper workers), or null while
   * none follows: {@link #publish} keeps the newest few.
   */
  private volatile ConcurrentHashMap<Long, Hyperparameters> board;

  private static final int BOARD_KEPT = 4;

  EmbeddedGovernor(
      Model network, Policy policy, Dl4jOptimizer optimizer, Supplier<RunFolder> folder) {
    this(network, policy, optimizer, folder, true, true);
  }

  /**
   * @param folder creates the run folder once the network has been accepted (null: not recorded)
   * @param undo keep the undo buffer that SKIP restores (without it SKIP restores the newest
   *     snapshot); not kept for an open-loop policy, whose decisions carry no guard action
   * @param measureAlignment measure cos(g, g_prev) and the secant sharpness (needs a copy of the
   *     previous gradient)
   */
  EmbeddedGovernor(
      Model network,
      Policy policy,
      Dl4jOptimizer optimizer,
      Supplier<RunFolder> folder,
      boolean undo,
      boolean measureAlignment) {
    this.net = Net.of(network, false);
    Schedule base = null;
    if (policy.spec().name().equals("pi")
        && PiPolicyConfig.NETWORK_BASE.equals(policy.spec().getString("base", ""))) {
      if (optimizer != null && !optimizer.isNetworkUpdater()) {
        throw new IllegalArgumentException(
            "pi(base=network) takes the network updater's schedule as its base, but optimizer "
                + optimizer.name()
                + " replaces the updater");
      }
      base = NetworkSchedule.of(net);
      policy = Policies.create(policy.spec().with("lr", base.lr(0)), base);
    }
    this.core =
        new GovernedStep(
            net, measureAlignment, 100, 3, undo && !policy.openLoop(), optimizer, base);
    RunFolder run;
    try {
      run = folder == null ? null : folder.get();
    } catch (RuntimeException e) {
      core.close();
      throw e;
    }
    this.telemetryLog = run == null ? null : run.openTelemetry();
    this.decisionLog = run == null ? null : run.openDecisions();
    this.loop = new ControlLoop(policy, telemetryLog, decisionLog);
    core.apply(loop.step(), loop.next());
    core.sink(this::stepDone);
  }

  /** From {@code iterationDone}: the step's observation to the loop, its decision to the step. */
  private void stepDone(Observation o) {
    built = o;
    try {
      last = loop.advance(this);
    } finally {
      built = null;
    }
    core.apply(loop.step(), loop.next());
    ConcurrentHashMap<Long, Hyperparameters> b = board;
    if (b != null) {
      publish(b);
    }
  }

  private void publish(ConcurrentHashMap<Long, Hyperparameters> b) {
    long s = loop.step();
    b.put(s, loop.next());
    b.remove(s - BOARD_KEPT);
  }

  /**
   * Starts publishing the decisions by step (for followers on other threads); returns the step that
   * runs next, whose decision is published already.
   */
  long startPublishing() {
    ConcurrentHashMap<Long, Hyperparameters> b = board;
    if (b == null) {
      b = new ConcurrentHashMap<>();
      board = b;
    }
    publish(b);
    return loop.step();
  }

  /**
   * The decision of step {@code step} as published (for a follower on another thread).
   *
   * @throws IllegalStateException when it is not (any longer) published
   */
  Hyperparameters published(long step) {
    ConcurrentHashMap<Long, Hyperparameters> b = board;
    Hyperparameters h = b == null ? null : b.get(step);
    if (h == null) {
      throw new IllegalStateException(
          "no decision published for step "
              + step
              + " (the governed network is at step "
              + loop.step()
              + "); a follower can run only in step with the governed network");
    }
    return h;
  }

  /** The optimizer the network was attached with. */
  Dl4jOptimizer optimizer() {
    return core.optimizer();
  }

  /** The governed network. */
  Model network() {
    return net.model;
  }

  /** The attachment (for tests). */
  GovernedStep core() {
    return core;
  }

  // ---- ControlLoop.Plant: the step has already run inside fit ----

  @Override
  public Observation step(long step, Hyperparameters applied) {
    return built;
  }

  @Override
  public List<TrainerEvent> drainEvents() {
    return core.drainEvents();
  }

  // ---- the Governor API ----

  @Override
  public void evalMode() {
    core.evalPoint().evalMode();
  }

  @Override
  public void trainMode() {
    core.evalPoint().trainMode();
  }

  @Override
  public boolean inEvalMode() {
    return core.evalPoint().inEvalMode();
  }

  @Override
  public Observation fit(DataSet b) {
    requireOpen();
    long before = loop.step();
    net.fit(b);
    return loop.step() > before ? last : null;
  }

  @Override
  public void fit(DataSetIterator data) {
    requireOpen();
    net.fit(data);
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this Governor is closed");
    }
  }

  @Override
  public Hyperparameters next() {
    return loop.next();
  }

  @Override
  public long step() {
    return loop.step();
  }

  @Override
  public Decision lastDecision() {
    return loop.lastDecision();
  }

  @Override
  public List<TrainerEvent> lastEvents() {
    return loop.lastEvents();
  }

  @Override
  public Observation lastObservation() {
    return last;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    core.close();
    loop.close();
    if (telemetryLog != null) {
      telemetryLog.close();
    }
    if (decisionLog != null) {
      decisionLog.close();
    }
  }
}

package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Drives one {@link Trainer} (the plant) through a run: runs step {@code t} with the current
 * hyperparameters, appends the observation to the run's telemetry queue, and gets the decision made
 * after it (docs/design.md, "One training step").
 *
 * <ul>
 *   <li><b>Synchronous</b> ({@link RunSpec.Mode#SYNC}): waits for the decision of step {@code t}
 *       before running {@code t + 1}, at most {@link RunSpec#decisionTimeout()}; on time-out the
 *       last decision holds (without its guard action, which is carried out once) and a {@link
 *       RunEvent#TIMEOUT} event is recorded.
 *   <li><b>Asynchronous</b> ({@link RunSpec.Mode#ASYNC}): runs steps back to back and applies the
 *       newest decision that has arrived; the loop delay in steps is recorded per applied decision.
 * </ul>
 *
 * <p>Decisions arrive as {@link Decided} messages from an in-process {@link ControllerActor}, or —
 * when the controller runs in another process — from the decision queue, which this actor then
 * polls (it runs on a dedicated thread, see {@code governor.actors.trainer-dispatcher}). Decisions
 * are idempotent by step: one that was already received is counted and ignored.
 *
 * <p>The guard action in a decision is passed to the trainer with it (the {@link Trainer} carries
 * out {@code SKIP} and {@code ROLLBACK}); this actor records a {@link RunEvent#SKIP} or {@link
 * RunEvent#ROLLBACK} event at that step. The plant is checkpointed every {@link
 * RunSpec#checkpointEvery()} steps; after a failure the supervisor restarts this actor, which
 * reloads the newest checkpoint and re-runs the steps after it with the hyperparameters recorded in
 * the queues — without appending them again — so the queues hold each step exactly once.
 *
 * <p>Loop latency (observation appended → decision applied) is measured with {@link
 * System#nanoTime()} here, in the runtime, never inside a policy.
 */
public final class TrainerActor extends AbstractBehavior<TrainerActor.Command> {

  /** The trainer's protocol. */
  public sealed interface Command {}

  /**
   * Begin, or after a restart resume, the run.
   *
   * @param controller the in-process controller to notify of new telemetry; null when the
   *     controller runs in another process
   */
  public record Start(ActorRef<ControllerActor.Command> controller) implements Command {}

  /**
   * The decision made after observing step {@code step}; it applies to step {@code step + 1}.
   *
   * @param step the observed step the decision follows
   * @param hyperparameters the decided values (validated)
   */
  public record Decided(long step, Hyperparameters hyperparameters) implements Command {}

  private enum RunStep implements Command {
    INSTANCE
  }

  private enum Poll implements Command {
    INSTANCE
  }

  private record DecisionTimeout(long step) implements Command {}

  private static final String TIMEOUT_KEY = "decision-timeout";
  private static final int RING = 1 << 16;

  private final RunSpec spec;
  private final ActorRef<RunSupervisor.Command> supervisor;
  private final LoopStats stats;
  private final TimerScheduler<Command> timers;
  private final RunLog log;
  private final Trainer trainer;
  private final Checkpoints checkpoints;
  private final boolean external;
  private final long[] appendedAt = new long[RING];
  private final Decision scratch = new Decision();
  private final Backoff backoff = new Backoff();
  private final Doorbell doorbell;

  private ActorRef<ControllerActor.Command> controller;
  private RunLog.DecisionCursor decisions;
  private long next;
  private Hyperparameters current;
  private Hyperparameters newest;
  private long newestStep = -1;
  private long appliedStep = -1;
  private boolean waiting;
  private boolean polling;
  private Observation last;

  /**
   * The trainer actor of a run. It announces itself to {@code supervisor} ({@link
   * RunSupervisor.TrainerReady}) and runs once told to {@link Start}; it reports the end with
   * {@link RunSupervisor.TrainerFinished} and stops.
   */
  static Behavior<Command> create(
      RunSpec spec,
      ActorRef<RunSupervisor.Command> supervisor,
      LoopStats stats,
      Doorbell doorbell,
      Function<java.nio.file.Path, RunLog> logs) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new TrainerActor(ctx, timers, spec, supervisor, stats, doorbell, logs)));
  }

  private TrainerActor(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      RunSpec spec,
      ActorRef<RunSupervisor.Command> supervisor,
      LoopStats stats,
      Doorbell doorbell,
      Function<java.nio.file.Path, RunLog> logs) {
    super(ctx);
    this.doorbell = doorbell;
    ctx.setLoggerName(TrainerActor.class);
    this.spec = spec;
    this.supervisor = supervisor;
    this.stats = stats;
    this.timers = timers;
    this.external = spec.controller() == RunSpec.ControllerPlacement.EXTERNAL;
    this.checkpoints = new Checkpoints(spec.dir());
    this.log = logs.apply(spec.dir());
    Trainer t = null;
    try {
      t = spec.trainer().get();
      this.trainer = t;
      this.current = spec.policyFactory().get().initial();
      long lastObserved = log.lastObservationStep();
      if (lastObserved >= 0) {
        recover(lastObserved);
      }
    } catch (RuntimeException e) {
      log.close();
      if (t != null) {
        t.close();
      }
      throw e;
    }
    supervisor.tell(new RunSupervisor.TrainerReady(ctx.getSelf()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Decided.class, this::onDecided)
        .onMessage(RunStep.class, m -> onRunStep())
        .onMessage(Poll.class, m -> onPoll())
        .onMessage(DecisionTimeout.class, this::onTimeout)
        .onSignal(PreRestart.class, s -> onStop())
        .onSignal(PostStop.class, s -> onStop())
        .build();
  }

  private Behavior<Command> onStart(Start m) {
    controller = m.controller();
    if (external) {
      decisions = log.decisionsFrom(Math.max(0, newestStep + 1));
    }
    if (next == 0 || appliedStep == next - 1) {
      getContext().getSelf().tell(RunStep.INSTANCE);
    } else {
      awaitDecision();
    }
    return this;
  }

  private Behavior<Command> onRunStep() {
    if (next >= spec.steps() || (next > 0 && trainer.stopRequested())) {
      log.end(next - 1);
      supervisor.tell(new RunSupervisor.TrainerFinished(last));
      return Behaviors.stopped();
    }
    if (spec.mode() == RunSpec.Mode.ASYNC) {
      if (external) {
        drainDecisions();
      }
      if (newestStep > appliedStep) {
        apply();
      }
    }
    long t = next;
    Observation o = trainer.step(t, current);
    log.append(o);
    appendedAt[(int) (t & (RING - 1))] = System.nanoTime();
    if (current.action() == GuardAction.SKIP) {
      log.event(t, RunEvent.SKIP, Double.NaN);
    } else if (current.action() == GuardAction.ROLLBACK) {
      log.event(t, RunEvent.ROLLBACK, Double.NaN);
    } else if (current.action() == GuardAction.RESET) {
      log.event(t, RunEvent.RESET, t - 1);
    }
    if (current.action() != GuardAction.NONE) {
      current = current.withAction(GuardAction.NONE); // an action is carried out once
    }
    if (trainer.stopRequested()) {
      log.event(t, RunEvent.EARLY_STOP, trainer.stopBestStep());
    }
    last = o;
    stats.stepsRun++;
    next = t + 1;
    if (spec.checkpointEvery() > 0 && next % spec.checkpointEvery() == 0) {
      try {
        checkpoints.saveTrainer(trainer, t);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot checkpoint the trainer at step " + t, e);
      }
    }
    spec.progress().accept(next);
    if (spec.mode() == RunSpec.Mode.SYNC || next >= spec.steps() || trainer.stopRequested()) {
      awaitDecision();
    } else {
      getContext().getSelf().tell(RunStep.INSTANCE); // queued before any decision it provokes
      ringDoorbell();
    }
    return this;
  }

  /** Waits (bounded) for the decision of step next − 1; the timer starts before the doorbell. */
  private void awaitDecision() {
    long want = next - 1;
    if (newestStep >= want) {
      apply();
      getContext().getSelf().tell(RunStep.INSTANCE);
      return;
    }
    waiting = true;
    timers.startSingleTimer(TIMEOUT_KEY, new DecisionTimeout(want), spec.decisionTimeout());
    ringDoorbell();
    if (external && !polling) {
      polling = true;
      backoff.reset();
      getContext().getSelf().tell(Poll.INSTANCE);
    }
  }

  /** Wakes the in-process controller unless a wake-up is already pending (see {@link Doorbell}). */
  private void ringDoorbell() {
    if (controller != null && doorbell.ring()) {
      controller.tell(ControllerActor.Wake.INSTANCE);
    }
  }

  private Behavior<Command> onDecided(Decided m) {
    accept(m.step(), m.hyperparameters());
    return this;
  }

  private Behavior<Command> onPoll() {
    polling = false;
    if (!waiting) {
      return this;
    }
    if (drainDecisions() == 0) {
      backoff.idle();
    } else {
      backoff.reset();
    }
    if (waiting) {
      polling = true;
      getContext().getSelf().tell(Poll.INSTANCE);
    }
    return this;
  }

  private int drainDecisions() {
    int n = 0;
    while (decisions.next(scratch)) {
      accept(scratch.step, scratch.hyperparameters());
      n++;
    }
    return n;
  }

  /** Takes a decision in; idempotent by step. */
  private void accept(long step, Hyperparameters h) {
    if (step <= newestStep) {
      stats.duplicates++;
      return;
    }
    newest = h;
    newestStep = step;
    if (waiting && step >= next - 1) {
      waiting = false;
      timers.cancel(TIMEOUT_KEY);
      apply();
      getContext().getSelf().tell(RunStep.INSTANCE);
    }
  }

  /** Makes the newest decision the current one and records its latency and delay. */
  private void apply() {
    long now = System.nanoTime();
    long delay = (next - 1) - newestStep;
    long latency = delay < RING ? now - appendedAt[(int) (newestStep & (RING - 1))] : -1;
    current = newest;
    appliedStep = newestStep;
    stats.applied(latency, delay);
    log.loop(newestStep, latency, delay);
  }

  private Behavior<Command> onTimeout(DecisionTimeout m) {
    if (!waiting || m.step() != next - 1) {
      return this; // stale
    }
    waiting = false;
    stats.timeouts++;
    log.event(m.step(), RunEvent.TIMEOUT, spec.decisionTimeout().toMillis());
    if (Long.bitCount(stats.timeouts) == 1) { // the 1st, 2nd, 4th, 8th ... : no flood
      getContext()
          .getLog()
          .warn(
              "no decision for step {} within {} ms; the last one holds ({} time-outs)",
              m.step(),
              spec.decisionTimeout().toMillis(),
              stats.timeouts);
    }
    getContext().getSelf().tell(RunStep.INSTANCE);
    return this;
  }

  private Behavior<Command> onStop() {
    try {
      trainer.close();
    } finally {
      log.close();
    }
    return this;
  }

  /**
   * Resumes after a restart: reloads the newest checkpoint at or before the last recorded step and
   * re-runs the steps after it with the hyperparameters they were run with (the applied values
   * recorded in each observation; the guard action of the decision that gave them), comparing each
   * result with the recorded observation. Nothing is appended again.
   */
  private void recover(long lastObserved) {
    stats.trainerRestarts++;
    long from = 0;
    long c = checkpoints.newestTrainer(lastObserved);
    for (String bad; c >= 0 && (bad = checkpoints.checkTrainer(c)) != null; ) {
      long older = checkpoints.newestTrainer(c - 1);
      getContext()
          .getLog()
          .warn(
              "trainer checkpoint of step {} is damaged: {}; resuming from {}",
              c,
              bad,
              older >= 0 ? "the checkpoint of step " + older : "step 0");
      c = older;
    }
    if (c >= 0) {
      try {
        trainer.loadCheckpoint(checkpoints.trainerPath(c));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the trainer checkpoint of step " + c, e);
      }
      from = c + 1;
    }
    Map<Long, Hyperparameters> decided = new HashMap<>();
    RunLog.DecisionCursor dc = log.decisionsFrom(Math.max(0, from - 1));
    Decision d = new Decision();
    while (dc.next(d)) {
      if (d.step > lastObserved) {
        break;
      }
      decided.put(d.step, d.hyperparameters());
    }
    RunLog.ObservationCursor oc = log.observationsFrom(from);
    Hyperparameters h = current;
    long mismatches = 0;
    for (long s = from; s <= lastObserved; s++) {
      Observation recorded = oc.next();
      if (recorded == null || recorded.step() != s) {
        throw new IllegalStateException(
            "telemetry of " + spec.dir() + " has no observation for step " + s + " to resume from");
      }
      if (s > 0) {
        h = recordedHyperparameters(recorded, decided.get(s - 1), h);
      }
      Observation again = trainer.step(s, h);
      if (!again.equals(recorded)) {
        mismatches++;
        log.event(s, RunEvent.REPLAY_MISMATCH, Double.NaN);
      }
      last = recorded;
    }
    stats.replayMismatches += mismatches;
    next = lastObserved + 1;
    current = h.action() == GuardAction.NONE ? h : h.withAction(GuardAction.NONE);
    Hyperparameters pending = decided.get(lastObserved);
    if (pending != null) {
      newest = pending;
      newestStep = lastObserved;
      current = pending;
      appliedStep = lastObserved;
    } else {
      newestStep = lastObserved - 1;
      appliedStep = lastObserved - 1;
    }
    log.event(lastObserved, RunEvent.TRAINER_RESTART, lastObserved + 1);
    getContext()
        .getLog()
        .info(
            "trainer of {} resumes at step {}: checkpoint {}, re-ran {} steps, {} differed",
            spec.dir(),
            next,
            c >= 0 ? "of step " + c : "none (from step 0)",
            lastObserved - from + 1,
            mismatches);
  }

  /**
   * The hyperparameters step {@code s} ran with: the decision of step {@code s − 1} when the
   * recorded applied values are that decision's (bit for bit), else the held values (a time-out)
   * without a guard action.
   */
  private static Hyperparameters recordedHyperparameters(
      Observation o, Hyperparameters decision, Hyperparameters previous) {
    if (decision != null
        && same(decision.lr(), o.lr())
        && same(decision.clip(), o.clip())
        && same(decision.weightDecay(), o.weightDecay())) {
      return decision;
    }
    if (Double.isFinite(o.lr()) && o.lr() > 0 && o.clip() > 0 && o.weightDecay() >= 0) {
      return new Hyperparameters(
          o.lr(), o.clip(), o.weightDecay(), previous.layerLrMultipliers(), GuardAction.NONE);
    }
    return previous.withAction(GuardAction.NONE);
  }

  private static boolean same(double a, double b) {
    return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
  }
}

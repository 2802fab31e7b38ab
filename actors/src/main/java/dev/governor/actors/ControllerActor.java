package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Tails a run's telemetry queue, runs the {@link Policy} on each observation in step order, appends
 * each decision (with its step) to the decision queue and — in process — sends it to the trainer.
 *
 * <p><b>State and restarts.</b> The decision queue is the controller's durable output and the
 * policy's state is a pure function of the observations fed so far, so the controller persists only
 * a policy snapshot every {@code snapshotEvery} decided steps ({@code checkpoints/controller/}).
 * Whenever it starts — first start, restart by its supervisor after a failure, or a new {@code
 * governor control} process — it restores the newest snapshot taken at or before the last decision
 * in the queue, re-feeds the recorded observations after the snapshot up to that decision (checking
 * each re-made decision against the recorded one bit for bit), and continues with the first
 * observation without a decision. Hence no decision is lost and none is written twice. On a restart
 * it re-sends the last recorded decision to the trainer, which ignores it if it already had it
 * (decisions are idempotent by step).
 *
 * <p><b>Waking up.</b> In process, the trainer rings a coalescing {@link Doorbell} after each
 * append: at most one {@link Wake} is outstanding. On a wake-up the controller answers the bell,
 * then decides every observation available, in step order (each decision depends only on the
 * observations, never on how they were batched), appends every decision to the decision queue and
 * sends only the newest to the trainer, which applies only the newest anyway. A drain handles at
 * most {@value #BATCH} observations before it sends and wakes itself again, so a controller that
 * trails a fast plant still hands the trainer a fresh decision regularly. Out of process ({@link
 * #polling}), it polls the queue with a spin-then-park back-off on its own thread, and stops once
 * the run is marked ended and every observation up to the end has its decision.
 */
public final class ControllerActor extends AbstractBehavior<ControllerActor.Command> {

  /** The controller's protocol. */
  public sealed interface Command {}

  /** New telemetry may be available: read and decide everything there is. */
  public enum Wake implements Command {
    INSTANCE
  }

  private enum Poll implements Command {
    INSTANCE
  }

  /** Most observations decided per drain before the newest decision is sent. */
  static final int BATCH = 256;

  private final RunLog log;
  private final Doorbell doorbell;
  private final Policy policy;
  private final Decision decision = new Decision();
  private final Checkpoints checkpoints;
  private final long snapshotEvery;
  private final ActorRef<TrainerActor.Command> trainer;
  private final boolean polling;
  private final Backoff backoff = new Backoff();
  private final RunLog.ObservationCursor cursor;
  private long lastDecided;
  private long decidedHere;

  /**
   * An in-process controller: wakes on {@link Wake}, sends each decision to {@code trainer}, and
   * tells {@code supervisor} when it (re)starts.
   */
  static Behavior<Command> inProcess(
      Path dir,
      Supplier<? extends Policy> policies,
      long snapshotEvery,
      ActorRef<TrainerActor.Command> trainer,
      Doorbell doorbell,
      ActorRef<RunSupervisor.Command> supervisor,
      Function<Path, RunLog> logs) {
    return Behaviors.setup(
        ctx -> {
          ControllerActor c =
              new ControllerActor(
                  ctx, dir, policies, snapshotEvery, trainer, doorbell, false, logs);
          supervisor.tell(RunSupervisor.ControllerStarted.INSTANCE);
          c.onWake(); // a wake-up may have been lost with a failed incarnation
          return c;
        });
  }

  /**
   * An out-of-process controller over the run folder {@code dir}: polls its telemetry queue (run it
   * on a dedicated dispatcher) and stops when the run has ended and is fully decided.
   */
  public static Behavior<Command> polling(
      Path dir, Supplier<? extends Policy> policies, long snapshotEvery) {
    return polling(dir, policies, snapshotEvery, TelemetryRunLog::openPatiently);
  }

  static Behavior<Command> polling(
      Path dir,
      Supplier<? extends Policy> policies,
      long snapshotEvery,
      Function<Path, RunLog> logs) {
    return Behaviors.setup(
        ctx -> {
          ControllerActor c =
              new ControllerActor(ctx, dir, policies, snapshotEvery, null, null, true, logs);
          ctx.getSelf().tell(Poll.INSTANCE);
          return c;
        });
  }

  private ControllerActor(
      ActorContext<Command> ctx,
      Path dir,
      Supplier<? extends Policy> policies,
      long snapshotEvery,
      ActorRef<TrainerActor.Command> trainer,
      Doorbell doorbell,
      boolean polling,
      Function<Path, RunLog> logs) {
    super(ctx);
    this.doorbell = doorbell;
    ctx.setLoggerName(ControllerActor.class);
    this.snapshotEvery = snapshotEvery;
    this.trainer = trainer;
    this.polling = polling;
    this.checkpoints = new Checkpoints(dir);
    this.log = logs.apply(dir);
    try {
      this.policy = policies.get();
      this.lastDecided = log.lastDecisionStep();
      if (lastDecided >= 0) {
        restore();
      }
      this.cursor = log.observationsFrom(lastDecided + 1);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Wake.class, m -> onWake())
        .onMessage(Poll.class, m -> onPoll())
        .onSignal(PreRestart.class, s -> onStop())
        .onSignal(PostStop.class, s -> onStop())
        .build();
  }

  private Behavior<Command> onWake() {
    if (doorbell != null) {
      doorbell.answer(); // before reading: a later append rings again
    }
    if (drain() == BATCH) {
      getContext().getSelf().tell(Wake.INSTANCE); // more may be waiting: after other messages
    }
    return this;
  }

  private Behavior<Command> onPoll() {
    long end;
    if (drain() > 0) {
      backoff.reset();
    } else if ((end = cursor.endedAfter()) >= -1 && lastDecided >= end) {
      getContext().getLog().debug("run ended after step {}; {} decided here", end, decidedHere);
      return Behaviors.stopped();
    } else {
      backoff.idle();
    }
    getContext().getSelf().tell(Poll.INSTANCE);
    return this;
  }

  private Behavior<Command> onStop() {
    log.close();
    return this;
  }

  /**
   * Decides the observations available, at most {@value #BATCH}, in step order; appends every
   * decision and sends the newest to the trainer (in process). Returns how many were decided.
   */
  private int drain() {
    int n = 0;
    Hyperparameters newest = null;
    for (Observation o = n < BATCH ? cursor.next() : null;
        o != null;
        o = n < BATCH ? cursor.next() : null) {
      if (o.step() <= lastDecided) {
        continue; // already decided (idempotent by step)
      }
      policy.decide(o, decision);
      decision.step = o.step();
      Hyperparameters h = decision.hyperparameters(); // validates before anything is written
      log.append(decision);
      lastDecided = o.step();
      decidedHere++;
      n++;
      if (snapshotEvery > 0 && (lastDecided + 1) % snapshotEvery == 0) {
        checkpoints.savePolicy(policy.snapshot(), lastDecided);
      }
      newest = h;
    }
    if (trainer != null && newest != null) {
      trainer.tell(new TrainerActor.Decided(lastDecided, newest));
    }
    return n;
  }

  /** Restores the policy's state as of the last recorded decision (see the class comment). */
  private void restore() {
    Checkpoints.Snapshot snap = checkpoints.newestPolicy(lastDecided);
    long from = 0;
    if (snap != null) {
      policy.restore(snap.state());
      from = snap.step() + 1;
    }
    RunLog.ObservationCursor oc = log.observationsFrom(from);
    RunLog.DecisionCursor dc = log.decisionsFrom(from);
    Decision recorded = new Decision();
    Hyperparameters lastH = null;
    long mismatches = 0;
    if (from > lastDecided) {
      // the snapshot is of the last decision itself: read it back to re-send it
      RunLog.DecisionCursor lastOne = log.decisionsFrom(lastDecided);
      if (lastOne.next(recorded)) {
        lastH = recorded.hyperparameters();
      }
    }
    for (long s = from; s <= lastDecided; s++) {
      Observation o = oc.next();
      if (o == null || o.step() != s) {
        throw new IllegalStateException(
            "telemetry has no observation for step " + s + " to restore the controller from");
      }
      policy.decide(o, decision);
      if (!dc.next(recorded) || recorded.step != s) {
        throw new IllegalStateException("decision queue has no decision for step " + s);
      }
      if (!sameDecision(decision, recorded)) {
        mismatches++;
        log.decisionEvent(s, RunEvent.REPLAY_MISMATCH, Double.NaN);
        getContext().getLog().warn("re-made decision of step {} differs from the recorded one", s);
      }
      lastH = recorded.hyperparameters();
    }
    log.decisionEvent(lastDecided, RunEvent.CONTROLLER_RESTART, lastDecided + 1);
    getContext()
        .getLog()
        .info(
            "controller of {} resumes after step {}: restored {}, re-fed {} observations, {}"
                + " differed",
            log.dir(),
            lastDecided,
            snap != null ? "the snapshot of step " + snap.step() : "nothing (fresh policy)",
            lastDecided - from + 1,
            mismatches);
    if (trainer != null && lastH != null) {
      trainer.tell(new TrainerActor.Decided(lastDecided, lastH));
    }
  }

  private static boolean sameDecision(Decision a, Decision b) {
    if (!(same(a.lr, b.lr)
        && same(a.clip, b.clip)
        && same(a.weightDecay, b.weightDecay)
        && a.action == b.action
        && a.layerCount == b.layerCount)) {
      return false;
    }
    for (int i = 0; i < a.layerCount; i++) {
      if (!same(a.layerLrMultipliers[i], b.layerLrMultipliers[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean same(double x, double y) {
    return Double.doubleToLongBits(x) == Double.doubleToLongBits(y);
  }
}

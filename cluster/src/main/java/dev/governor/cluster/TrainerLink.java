package dev.governor.cluster;

import dev.governor.actors.Checkpoints;
import dev.governor.actors.TrainerActor;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.PolicyState;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.delivery.ShardingProducerController;

/**
 * The trainer side of one run on a cluster: streams the run's observations from its telemetry queue
 * to the run's {@link ControllerEntity} and appends the decisions that come back to the run's
 * decision queue, then hands each to the run's {@code TrainerActor} (placement {@code REMOTE}) as a
 * message.
 *
 * <p>The telemetry queue is the durable outbox: the link reads it from the first step without a
 * decision, so after a trainer restart ({@code --resume}) it re-sends from there. Sending uses a
 * {@link ShardingProducerController} (one per run and trainer incarnation), which sends only on the
 * consumer's demand and re-sends unconfirmed observations to a new entity incarnation after a
 * failover. Decisions are de-duplicated by step: one for a step already in the decision queue is
 * counted and dropped, so none is written twice. Policy snapshots that come with decisions are
 * stored in the run folder ({@code checkpoints/controller/}), and a fresh entity's {@link
 * Protocol.NeedState} is answered from there and from the telemetry queue; each such rebuild is
 * recorded as a {@code RESTART} event in the decision queue.
 *
 * <p>The trainer tells the link of each appended observation ({@link #appended}); the link never
 * polls.
 */
public final class TrainerLink extends AbstractBehavior<TrainerLink.Command> {

  /** The link's messages. */
  public interface Command {}

  /**
   * The trainer appended the observation of step {@code step}.
   *
   * @param ranks the data-parallel ranks' observations of that step (empty for one rank), fewer
   *     than {@code expectedRanks} when a rank did not report it
   * @param expectedRanks how many ranks the run has (0 or 1 for a single-rank run)
   */
  public record Appended(long step, List<Observation> ranks, int expectedRanks)
      implements Command {}

  /** The run finished after step {@code lastStep}: send the rest, end the entity, stop. */
  public record Finish(long lastStep) implements Command {}

  /** The run's trainer actor, which gets every decision as a message. */
  public record TrainerRef(ActorRef<TrainerActor.Command> trainer) implements Command {}

  /** Why a link stopped without finishing. */
  public record Failed(String runId, String reason) {}

  private record Next(ShardingProducerController.RequestNext<ControllerEntity.Command> r)
      implements Command {}

  private record EndConfirmed(Done done) implements Command {}

  private enum GiveUp implements Command {
    INSTANCE
  }

  private enum TryAgain implements Command {
    INSTANCE
  }

  /** How long a finishing link waits for the entity to confirm the end of the run. */
  static final Duration FINISH_PATIENCE = Duration.ofSeconds(10);

  private final String runId;
  private final String incarnation = UUID.randomUUID().toString();
  private final String policy;
  private final long snapshotEvery;
  private final ActorRef<Failed> failures;
  private final Duration refusalGrace;
  private long refusedSince = Long.MIN_VALUE;
  private final TimerScheduler<Command> timers;
  private final TelemetryLog telemetry;
  private final DecisionLog decisions;
  private final DecisionLog.Appender out;
  private TelemetryLog.Tailer tail;
  private final Checkpoints checkpoints;
  private final ActorRef<Protocol.ToTrainer> self;
  private ActorRef<ShardingEnvelope<ControllerEntity.Command>> sendNext;
  private ShardingProducerController.RequestNext<ControllerEntity.Command> request;
  private Observation pending;
  private ActorRef<TrainerActor.Command> trainer;
  private Hyperparameters unsent;
  private long unsentStep = -1;
  private final java.util.Map<Long, List<Observation>> rankObservations = new java.util.HashMap<>();
  private int expectedRanks;
  private long lastDecided;
  private long lastSent;
  private long duplicates;
  private long finishAfter = Long.MIN_VALUE;
  private boolean endSent;

  /**
   * A link for the run {@code runId} in the run folder {@code dir} (whose queues exist).
   *
   * @param policy the run's policy spec ({@code PolicySpec.toString()})
   * @param snapshotEvery policy snapshot period in decided steps (0 = none)
   * @param region the controller entities' shard region (or proxy) on this node
   * @param failures told when the link gives up on the run (the entity refused it)
   * @param refusalGrace how long the link keeps asking while the entity refuses it: a previous
   *     trainer of the run that died is refused-for until the cluster has noticed its death
   */
  public static Behavior<Command> create(
      String runId,
      Path dir,
      String policy,
      long snapshotEvery,
      ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<ControllerEntity.Command>>>
          region,
      ActorRef<Failed> failures,
      Duration refusalGrace) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  TrainerLink link =
                      new TrainerLink(
                          ctx, timers, runId, dir, policy, snapshotEvery, failures, refusalGrace);
                  ActorRef<ShardingProducerController.Command<ControllerEntity.Command>> producer =
                      ctx.spawn(
                          ShardingProducerController.create(
                              ControllerEntity.Command.class,
                              runId + "-" + link.incarnation,
                              region,
                              Optional.empty()),
                          "producer");
                  producer.tell(
                      new ShardingProducerController.Start<>(
                          ctx.messageAdapter(
                              ShardingProducerController.requestNextClass(), Next::new)));
                  return link;
                }));
  }

  private TrainerLink(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String runId,
      Path dir,
      String policy,
      long snapshotEvery,
      ActorRef<Failed> failures,
      Duration refusalGrace) {
    super(ctx);
    this.refusalGrace = refusalGrace;
    ctx.setLoggerName(TrainerLink.class);
    this.runId = runId;
    this.policy = policy;
    this.snapshotEvery = snapshotEvery;
    this.failures = failures;
    this.timers = timers;
    this.self = ctx.getSelf().narrow();
    RunFolder folder = RunFolder.open(dir);
    this.checkpoints = new Checkpoints(folder.dir());
    this.telemetry = folder.openTelemetry();
    try {
      this.decisions = folder.openDecisions();
      this.lastDecided = lastDecision(decisions);
      this.lastSent = lastDecided;
      this.tail = lastDecided < 0 ? telemetry.tailer() : telemetry.tailerFromStep(lastDecided + 1);
      this.out = decisions.appender();
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
  }

  private static long lastDecision(DecisionLog log) {
    return log.lastDecidedStep();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Next.class, this::onNext)
        .onMessage(Appended.class, this::onAppended)
        .onMessage(TrainerRef.class, this::onTrainerRef)
        .onMessage(Protocol.Decided.class, this::onDecided)
        .onMessage(Protocol.NeedState.class, this::onNeedState)
        .onMessage(Protocol.Refused.class, this::onRefused)
        .onMessage(Finish.class, this::onFinish)
        .onMessage(EndConfirmed.class, m -> Behaviors.stopped())
        .onMessageEquals(GiveUp.INSTANCE, this::onGiveUp)
        .onMessageEquals(TryAgain.INSTANCE, this::onTryAgain)
        .onSignal(PostStop.class, s -> onStop())
        .build();
  }

  private Behavior<Command> onTrainerRef(TrainerRef m) {
    trainer = m.trainer();
    if (unsent != null) {
      trainer.tell(new TrainerActor.Decided(unsentStep, unsent));
      unsent = null;
    }
    return this;
  }

  private Behavior<Command> onAppended(Appended m) {
    if (m.expectedRanks() > 1) {
      rankObservations.put(m.step(), m.ranks());
      expectedRanks = m.expectedRanks();
    }
    return pump();
  }

  private Behavior<Command> onNext(Next m) {
    request = m.r();
    sendNext = m.r().sendNextTo();
    return pump();
  }

  /** Sends the next unsent observation if the producer has demand; ends the run when done. */
  private Behavior<Command> pump() {
    while (sendNext != null) {
      Observation o = pending != null ? pending : tail.poll();
      pending = null;
      if (o == null) {
        break;
      }
      if (o.step() <= lastSent) {
        rankObservations.remove(o.step());
        continue; // already sent (a resumed trainer's re-run steps are not appended again)
      }
      sendNext.tell(
          new ShardingEnvelope<>(
              runId,
              new Protocol.Observe(
                  runId,
                  incarnation,
                  self,
                  policy,
                  snapshotEvery,
                  o,
                  rankObservations.getOrDefault(o.step(), List.of()),
                  rankObservations.containsKey(o.step()) ? expectedRanks : 0)));
      rankObservations.remove(o.step());
      sendNext = null;
      lastSent = o.step();
    }
    maybeEnd();
    return this;
  }

  private void maybeEnd() {
    if (finishAfter == Long.MIN_VALUE || endSent || lastDecided < finishAfter || request == null) {
      return;
    }
    if (sendNext == null) {
      return; // after the next demand
    }
    endSent = true;
    sendNext = null;
    request
        .askNextTo()
        .tell(
            new ShardingProducerController.MessageWithConfirmation<>(
                runId,
                new Protocol.EndRun(runId, incarnation, finishAfter),
                getContext().messageAdapter(Done.class, EndConfirmed::new)));
  }

  private Behavior<Command> onDecided(Protocol.Decided m) {
    Decision d = m.decision();
    refusedSince = Long.MIN_VALUE;
    if (d.step <= lastDecided) {
      duplicates++;
      return this;
    }
    if (d.step != lastDecided + 1) {
      getContext()
          .getLog()
          .warn(
              "run {}: decision of step {} arrived before step {}'s; dropped",
              runId,
              d.step,
              lastDecided + 1);
      return this;
    }
    Hyperparameters h = d.hyperparameters(); // validates before anything is written
    out.append(d);
    lastDecided = d.step;
    if (trainer != null) {
      trainer.tell(new TrainerActor.Decided(d.step, h));
    } else {
      unsent = h;
      unsentStep = d.step;
    }
    if (m.missingRanks() > 0) {
      out.appendEvent(EventKind.RANK_MISSING, d.step, m.missingRanks());
      getContext()
          .getLog()
          .warn(
              "run {} step {}: decided without {} of its {} ranks (they did not report)",
              runId,
              d.step,
              m.missingRanks(),
              expectedRanks);
    }
    if (m.snapshot() != null) {
      checkpoints.savePolicy(new PolicyState(m.snapshotPolicy(), m.snapshot()), d.step);
    }
    maybeEnd();
    return this;
  }

  private Behavior<Command> onNeedState(Protocol.NeedState m) {
    if (!m.trainer().equals(incarnation)) {
      return this;
    }
    long upTo = m.upTo();
    Checkpoints.Snapshot snap = checkpoints.newestPolicy(Math.min(upTo, lastDecided));
    long from = snap == null ? 0 : snap.step() + 1;
    List<Observation> since = new ArrayList<>();
    try (TelemetryLog.Tailer t = from <= 0 ? telemetry.tailer() : telemetry.tailerFromStep(from)) {
      for (Observation o = t.poll(); o != null && o.step() <= upTo; o = t.poll()) {
        if (o.step() >= from) {
          since.add(o);
        }
      }
    }
    out.appendEvent(EventKind.RESTART, Math.max(0, lastDecided), lastDecided + 1);
    m.entity()
        .tell(
            new Protocol.Restore(
                incarnation,
                snap == null ? -1 : snap.step(),
                snap == null ? null : snap.state().policy(),
                snap == null ? null : snap.state().bytes(),
                lastDecided,
                since));
    return this;
  }

  private Behavior<Command> onRefused(Protocol.Refused m) {
    long now = System.nanoTime();
    if (refusedSince == Long.MIN_VALUE) {
      refusedSince = now;
    }
    if (now - refusedSince >= refusalGrace.toNanos()) {
      failures.tell(new Failed(runId, m.reason()));
      return Behaviors.stopped();
    }
    if (!timers.isTimerActive(TryAgain.INSTANCE)) {
      timers.startSingleTimer(TryAgain.INSTANCE, Duration.ofMillis(500));
    }
    return this;
  }

  /** After a refusal: send again from the first step without a decision. */
  private Behavior<Command> onTryAgain() {
    tail.close();
    tail = lastDecided < 0 ? telemetry.tailer() : telemetry.tailerFromStep(lastDecided + 1);
    lastSent = lastDecided;
    pending = null;
    return pump();
  }

  private Behavior<Command> onFinish(Finish m) {
    finishAfter = m.lastStep();
    timers.startSingleTimer(GiveUp.INSTANCE, FINISH_PATIENCE);
    return pump();
  }

  private Behavior<Command> onGiveUp() {
    getContext()
        .getLog()
        .warn(
            "run {}: the controller did not confirm the end within {} s (decided up to step {} of"
                + " {})",
            runId,
            FINISH_PATIENCE.toSeconds(),
            lastDecided,
            finishAfter);
    return Behaviors.stopped();
  }

  private Behavior<Command> onStop() {
    try {
      tail.close();
      out.close();
    } finally {
      try {
        decisions.close();
      } finally {
        telemetry.close();
      }
    }
    if (duplicates > 0) {
      getContext().getLog().debug("run {}: {} duplicate decisions dropped", runId, duplicates);
    }
    return this;
  }
}

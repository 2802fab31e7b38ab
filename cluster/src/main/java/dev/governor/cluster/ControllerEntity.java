package dev.governor.cluster;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.PolicyState;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.delivery.ShardingConsumerController;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * A run's controller as a Cluster Sharding entity keyed by run id: runs the run's {@link Policy} on
 * each observation, in step order, and sends each decision to the run's {@link TrainerLink}.
 * Observations arrive by typed reliable delivery (this behaviour runs inside a {@link
 * ShardingConsumerController}); each is confirmed once decided.
 *
 * <p><b>State.</b> The entity keeps its policy in memory only. The run folder on the trainer's
 * machine is the source of truth: the link appends every decision there and stores the policy
 * snapshots this entity sends with every {@code snapshotEvery}-th decision. Whenever the entity
 * cannot continue from what it has — a fresh incarnation (first start, after a failover to another
 * node, after passivation), or a new trainer incarnation (a trainer resumed with {@code --resume})
 * — it holds the observation, asks the link for the state ({@link Protocol.NeedState}, repeated
 * every {@link #RESTORE_RETRY} until answered) and rebuilds it from the newest snapshot plus the
 * recorded observations since. Policies are deterministic, so the rebuilt state equals the lost one
 * bit for bit; decisions re-made for steps the trainer has not recorded are sent again, the others
 * are not (the link ignores duplicates by step anyway). A run's first observation (step 0) needs no
 * state.
 *
 * <p><b>One controller per run.</b> Sharding gives one entity per run id cluster-wide. The entity
 * serves one trainer incarnation at a time and watches it: a second incarnation is {@link
 * Protocol.Refused refused} while the first is alive, and accepted once the first has terminated
 * (its process died or it finished).
 *
 * <p>NaN/Inf in an observation are handled by the policy as documented there; this entity adds no
 * arithmetic of its own and reads no clock (the re-ask timer is the runtime's).
 */
public final class ControllerEntity extends AbstractBehavior<ControllerEntity.Command> {

  /** The entity's messages: the wire protocol plus its internal ones. */
  public interface Command {}

  /** The sharded entity type: controllers keyed by run id. */
  public static final EntityTypeKey<ConsumerController.SequencedMessage<Command>> TYPE_KEY =
      EntityTypeKey.create(ShardingConsumerController.entityTypeKeyClass(), "governor-controller");

  /** How long the entity waits for a {@link Protocol.Restore} before asking again. */
  static final Duration RESTORE_RETRY = Duration.ofSeconds(2);

  private record Delivered(ConsumerController.Delivery<Command> delivery) implements Command {}

  private record RestoreAgain(long upTo) implements Command {}

  private final String runId;
  private final ActorRef<Protocol.ToController> self;
  private final TimerScheduler<Command> timers;
  private Policy policy;
  private PolicySpec policySpec;
  private long snapshotEvery;
  private String trainer;
  private ActorRef<Protocol.ToTrainer> link;
  private boolean linkAlive;
  private long lastDecided = -1;
  private Decision last;
  private ConsumerController.Delivery<Command> held;
  private final Decision scratch = new Decision();
  private long restores;

  /** The behaviour to shard: the entity inside its reliable-delivery consumer. */
  static Behavior<ConsumerController.SequencedMessage<Command>> sharded(String runId) {
    return ShardingConsumerController.create(start -> create(runId, start));
  }

  static Behavior<Command> create(
      String runId, ActorRef<ConsumerController.Start<Command>> consumerController) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ActorRef<ConsumerController.Delivery<Command>> deliveries =
                      ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
                  consumerController.tell(new ConsumerController.Start<>(deliveries));
                  return new ControllerEntity(ctx, timers, runId);
                }));
  }

  private ControllerEntity(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String runId) {
    super(ctx);
    ctx.setLoggerName(ControllerEntity.class);
    this.runId = runId;
    this.timers = timers;
    this.self = ctx.getSelf().narrow();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Delivered.class, m -> onDelivery(m.delivery()))
        .onMessage(Protocol.Restore.class, this::onRestore)
        .onMessage(RestoreAgain.class, this::onRestoreAgain)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onDelivery(ConsumerController.Delivery<Command> d) {
    Command c = d.message();
    if (c instanceof Protocol.EndRun e) {
      d.confirmTo().tell(ConsumerController.confirmed());
      if (e.trainer().equals(trainer)) {
        getContext()
            .getLog()
            .debug("run {} ended after step {}; {} restores", runId, e.lastStep(), restores);
        return Behaviors.stopped();
      }
      return this;
    }
    if (!(c instanceof Protocol.Observe o)) {
      d.confirmTo().tell(ConsumerController.confirmed());
      return this;
    }
    if (!o.trainer().equals(trainer)) {
      if (trainer != null && linkAlive) {
        o.link()
            .tell(
                new Protocol.Refused(
                    runId,
                    "run id "
                        + runId
                        + " is already controlled for another live trainer ("
                        + link.path().address()
                        + ")"));
        d.confirmTo().tell(ConsumerController.confirmed());
        return this;
      }
      adopt(o);
    }
    long step = o.observation().step();
    if (policy != null && step == lastDecided + 1) {
      decide(observed(o), true, o.missingRanks());
    } else if (policy != null && step <= lastDecided) {
      if (step == lastDecided && last != null) {
        link.tell(new Protocol.Decided(runId, new Decision().copyFrom(last), null, null, 0));
      }
    } else if (step == 0) {
      fresh();
      decide(observed(o), true, o.missingRanks());
    } else {
      held = d;
      askState(step - 1);
      return this; // confirmed once restored and decided
    }
    d.confirmTo().tell(ConsumerController.confirmed());
    return this;
  }

  private void adopt(Protocol.Observe o) {
    if (link != null) {
      getContext().unwatch(link);
    }
    trainer = o.trainer();
    link = o.link();
    linkAlive = true;
    getContext().watch(link);
    policySpec = PolicySpec.parse(o.policy());
    snapshotEvery = o.snapshotEvery();
    policy = null; // a new trainer incarnation: rebuild from its run folder
    lastDecided = -1;
    last = null;
  }

  private void fresh() {
    policy = Policies.create(policySpec);
    lastDecided = -1;
    last = null;
  }

  private void askState(long upTo) {
    link.tell(new Protocol.NeedState(runId, trainer, self, upTo));
    timers.startSingleTimer("restore", new RestoreAgain(upTo), RESTORE_RETRY);
  }

  private Behavior<Command> onRestoreAgain(RestoreAgain m) {
    if (held != null) {
      askState(m.upTo());
    }
    return this;
  }

  private Behavior<Command> onRestore(Protocol.Restore r) {
    if (held == null || !r.trainer().equals(trainer)) {
      return this; // stale or duplicate answer
    }
    Protocol.Observe o = (Protocol.Observe) held.message();
    long upTo = o.observation().step() - 1;
    Policy p = Policies.create(policySpec);
    long from = 0;
    if (r.snapshot() != null && r.snapshotStep() >= 0) {
      p.restore(new PolicyState(r.snapshotPolicy(), r.snapshot()));
      from = r.snapshotStep() + 1;
    }
    policy = p;
    lastDecided = from - 1;
    last = null;
    for (Observation obs : r.since()) {
      if (obs.step() != lastDecided + 1 || obs.step() > upTo) {
        break;
      }
      decide(obs, obs.step() > r.lastDecided(), 0);
    }
    if (lastDecided != upTo) {
      getContext()
          .getLog()
          .error(
              "run {}: cannot rebuild the controller's state after step {}: the trainer sent"
                  + " observations up to step {} only",
              runId,
              upTo,
              lastDecided);
      policy = null;
      return this; // asked again on the timer
    }
    timers.cancel("restore");
    restores++;
    getContext()
        .getLog()
        .info(
            "controller of run {} rebuilt after step {} from {} and {} observations",
            runId,
            upTo,
            r.snapshot() != null ? "the snapshot of step " + r.snapshotStep() : "a fresh policy",
            r.since().size());
    ConsumerController.Delivery<Command> d = held;
    held = null;
    decide(observed(o), true, o.missingRanks());
    d.confirmTo().tell(ConsumerController.confirmed());
    return this;
  }

  /**
   * The observation to decide on: the aggregate of the ranks' observations ({@link
   * RankAggregation}) when they came along, else the recorded one.
   */
  private Observation observed(Protocol.Observe o) {
    if (o.ranks().isEmpty()) {
      return o.observation();
    }
    Observation agg = RankAggregation.aggregate(o.ranks());
    if (!agg.equals(o.observation())) {
      getContext()
          .getLog()
          .warn(
              "run {} step {}: the ranks' aggregate differs from the trainer's recorded observation",
              runId,
              agg.step());
    }
    return agg;
  }

  /**
   * Decides one observation (the next step) and, when {@code send}, sends the decision, telling the
   * link how many ranks were missing from it.
   */
  private void decide(Observation obs, boolean send, int missingRanks) {
    policy.decide(obs, scratch);
    scratch.step = obs.step();
    scratch.hyperparameters(); // validates before anything leaves
    lastDecided = obs.step();
    if (last == null) {
      last = new Decision();
    }
    last.copyFrom(scratch);
    if (!send) {
      return;
    }
    PolicyState snap =
        snapshotEvery > 0 && (lastDecided + 1) % snapshotEvery == 0 ? policy.snapshot() : null;
    link.tell(
        new Protocol.Decided(
            runId,
            new Decision().copyFrom(scratch),
            snap == null ? null : snap.policy(),
            snap == null ? null : snap.bytes(),
            missingRanks));
  }

  private Behavior<Command> onTerminated(Terminated t) {
    if (link != null && t.getRef().equals(link)) {
      linkAlive = false;
    }
    return this;
  }
}

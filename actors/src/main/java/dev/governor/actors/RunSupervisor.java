package dev.governor.actors;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs one training run: spawns its {@link TrainerActor} (on a dedicated thread) and, unless the
 * controller is external, its {@link ControllerActor}, each under an explicit restart strategy
 * ({@link RunSpec#maxRestarts()} within {@link RunSpec#restartWindow()}); reports a {@link
 * RunResult} to {@code replyTo} and stops when the trainer has finished or an actor has used up its
 * restarts.
 *
 * <p>A restarted trainer resumes from its last checkpoint and a restarted controller from its last
 * decision (see those classes); the supervisor only reconnects them: each trainer incarnation
 * announces itself with {@link TrainerReady} and is told to {@link TrainerActor.Start} with the
 * controller's reference. Several runs may share one actor system; each has its own folder, queues
 * and actors.
 */
public final class RunSupervisor extends AbstractBehavior<RunSupervisor.Command> {

  /** The supervisor's protocol (sent by its children). */
  public sealed interface Command {}

  /** A trainer incarnation is ready to start or resume. */
  record TrainerReady(ActorRef<TrainerActor.Command> trainer) implements Command {}

  /** The trainer ran every step; {@code last} is the last observation (null when none). */
  record TrainerFinished(Observation last) implements Command {}

  /** A controller incarnation started (its first start or a restart). */
  enum ControllerStarted implements Command {
    INSTANCE
  }

  /** Config path of the dispatcher trainer actors run on (one thread per trainer). */
  public static final String TRAINER_DISPATCHER = "governor.actors.trainer-dispatcher";

  private final RunSpec spec;
  private final ActorRef<RunResult> replyTo;
  private final LoopStats stats = new LoopStats();
  private final ActorRef<TrainerActor.Command> trainer;
  private final ActorRef<ControllerActor.Command> controller;
  private final java.util.concurrent.atomic.AtomicReference<String> diskFull =
      new java.util.concurrent.atomic.AtomicReference<>();
  private long controllerStarts;
  private boolean done;

  /** A supervisor for the run {@code spec} that reports to {@code replyTo}. */
  public static Behavior<Command> create(RunSpec spec, ActorRef<RunResult> replyTo) {
    return create(spec, replyTo, TelemetryRunLog::openPatiently);
  }

  /**
   * A supervisor that also hands {@code trainerTo} its trainer's reference once, when it spawns it
   * (the reference stays valid across the trainer's restarts), for a {@link
   * RunSpec.ControllerPlacement#REMOTE} controller that sends the trainer its decisions.
   */
  public static Behavior<Command> createTelling(
      RunSpec spec,
      ActorRef<RunResult> replyTo,
      java.util.function.Consumer<ActorRef<TrainerActor.Command>> trainerTo) {
    return Behaviors.setup(
        ctx -> {
          RunSupervisor s = new RunSupervisor(ctx, spec, replyTo, TelemetryRunLog::openPatiently);
          trainerTo.accept(s.trainer);
          return s;
        });
  }

  static Behavior<Command> create(
      RunSpec spec, ActorRef<RunResult> replyTo, Function<Path, RunLog> logs) {
    return Behaviors.setup(ctx -> new RunSupervisor(ctx, spec, replyTo, logs));
  }

  private RunSupervisor(
      ActorContext<Command> ctx,
      RunSpec spec,
      ActorRef<RunResult> replyTo,
      Function<Path, RunLog> logs) {
    super(ctx);
    this.spec = spec;
    this.replyTo = replyTo;
    // create both queues once, before the actors open them concurrently
    logs.apply(spec.dir()).close();
    Doorbell doorbell = new Doorbell(); // outlives restarts of either actor
    SupervisorStrategy restart =
        SupervisorStrategy.restart().withLimit(spec.maxRestarts(), spec.restartWindow());
    trainer =
        ctx.spawn(
            Behaviors.supervise(
                    DiskFullGuard.guard(
                        TrainerActor.Command.class,
                        diskFull,
                        TrainerActor.create(spec, ctx.getSelf(), stats, doorbell, logs)))
                .onFailure(Exception.class, restart),
            "trainer",
            DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
    ctx.watch(trainer);
    if (spec.controller() == RunSpec.ControllerPlacement.IN_PROCESS) {
      controller =
          ctx.spawn(
              Behaviors.supervise(
                      DiskFullGuard.guard(
                          ControllerActor.Command.class,
                          diskFull,
                          ControllerActor.inProcess(
                              spec.dir(),
                              spec.policyFactory(),
                              spec.snapshotEvery(),
                              trainer,
                              doorbell,
                              ctx.getSelf(),
                              logs)))
                  .onFailure(Exception.class, restart),
              "controller");
      ctx.watch(controller);
    } else {
      controller = null;
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(TrainerReady.class, this::onTrainerReady)
        .onMessage(TrainerFinished.class, this::onTrainerFinished)
        .onMessage(ControllerStarted.class, m -> onControllerStarted())
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onTrainerReady(TrainerReady m) {
    m.trainer().tell(new TrainerActor.Start(controller));
    return this;
  }

  private Behavior<Command> onControllerStarted() {
    controllerStarts++;
    return this;
  }

  private Behavior<Command> onTrainerFinished(TrainerFinished m) {
    return finish(true, "", m.last());
  }

  private Behavior<Command> onChildFailed(ChildFailed s) {
    String who = s.getRef().equals(trainer) ? "trainer" : "controller";
    if (DiskFullGuard.diskFull(s.getCause()) != null) {
      return finish(false, DiskFullGuard.diskFull(s.getCause()).getMessage(), null);
    }
    return finish(
        false,
        who
            + " failed after "
            + spec.maxRestarts()
            + " restarts within "
            + spec.restartWindow().toSeconds()
            + " s: "
            + s.getCause(),
        null);
  }

  private Behavior<Command> onTerminated(Terminated s) {
    if (!done && diskFull.get() != null) {
      return finish(false, diskFull.get(), null);
    }
    if (!done && s.getRef().equals(trainer)) {
      return finish(false, "trainer stopped before the run ended", null);
    }
    return this;
  }

  private Behavior<Command> finish(boolean completed, String failure, Observation last) {
    if (done) {
      return this;
    }
    done = true;
    replyTo.tell(
        RunResult.of(
            spec.dir(), completed, failure, stats, Math.max(0, controllerStarts - 1), last));
    return Behaviors.stopped();
  }
}

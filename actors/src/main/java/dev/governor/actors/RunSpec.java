package dev.governor.actors;

import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.Trainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Everything the actor runtime needs to run one training run through its queues. Immutable and
 * validated; build with {@link #builder(Path, Supplier, PolicySpec, long)}.
 *
 * @param dir the run folder (created if missing; its queues are appended to)
 * @param trainer makes the plant in its initial state; called again after a trainer failure, so
 *     every call must give an identical plant (same seed)
 * @param policy the policy's description (written to {@code run.json}, rebuilt by an external
 *     controller and by replay)
 * @param policyFactory makes a fresh policy of that description (called again after a controller
 *     failure); {@code Policies.create(policy)} unless overridden (tests inject faults here)
 * @param steps number of steps to run, {@code >= 1}
 * @param mode synchronous (wait for each decision) or asynchronous (apply the newest one)
 * @param controller where the controller runs
 * @param decisionTimeout bound on a synchronous wait for one decision, {@code > 0}
 * @param checkpointEvery trainer checkpoint period in steps ({@code 0} = only restart from step 0)
 * @param snapshotEvery policy snapshot period in steps ({@code 0} = re-feed from step 0)
 * @param maxRestarts restarts allowed per actor within {@code restartWindow}, {@code >= 0}
 * @param restartWindow the window of the restart limit
 * @param progress called by the trainer with the number of steps done (thread-safe callback)
 */
public record RunSpec(
    Path dir,
    Supplier<? extends Trainer> trainer,
    PolicySpec policy,
    Supplier<? extends Policy> policyFactory,
    long steps,
    Mode mode,
    ControllerPlacement controller,
    Duration decisionTimeout,
    long checkpointEvery,
    long snapshotEvery,
    int maxRestarts,
    Duration restartWindow,
    LongConsumer progress) {

  /** How the trainer waits for decisions (docs/design.md, "One training step"). */
  public enum Mode {
    /** Wait for the decision made after step t before running step t + 1 (bounded wait). */
    SYNC,
    /** Run steps back to back and apply the newest decision available; record the delay. */
    ASYNC
  }

  /** Where the controller runs. */
  public enum ControllerPlacement {
    /** A {@code ControllerActor} in the trainer's actor system; decisions arrive as messages. */
    IN_PROCESS,
    /** Another process ({@code governor control}); the trainer tails the decision queue. */
    EXTERNAL,
    /**
     * Elsewhere, through an actor of this system that appends each decision to the decision queue
     * and sends it to the trainer as a {@code Decided} message (a cluster link); the trainer waits
     * for messages and does not poll. The supervisor tells who asked for it the trainer's reference
     * ({@link RunSupervisor#createTelling}).
     */
    REMOTE
  }

  /** Validates every value and names the first bad one. */
  public RunSpec {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(trainer, "trainer");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(policyFactory, "policyFactory");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(decisionTimeout, "decisionTimeout");
    Objects.requireNonNull(restartWindow, "restartWindow");
    Objects.requireNonNull(progress, "progress");
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, but was " + steps);
    }
    if (decisionTimeout.isNegative() || decisionTimeout.isZero()) {
      throw new IllegalArgumentException(
          "decision timeout must be > 0, but was " + decisionTimeout);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException(
          "checkpointEvery must be >= 0, but was " + checkpointEvery);
    }
    if (snapshotEvery < 0) {
      throw new IllegalArgumentException("snapshotEvery must be >= 0, but was " + snapshotEvery);
    }
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must be >= 0, but was " + maxRestarts);
    }
    if (restartWindow.isNegative() || restartWindow.isZero()) {
      throw new IllegalArgumentException("restart window must be > 0, but was " + restartWindow);
    }
  }

  /** A builder with the defaults: sync, in-process, 10 s timeout, checkpoints every 1000 steps. */
  public static Builder builder(
      Path dir, Supplier<? extends Trainer> trainer, PolicySpec policy, long steps) {
    return new Builder(dir, trainer, policy, steps);
  }

  /** A copy with another run folder (e.g. one of several runs sharing an actor system). */
  public RunSpec withDir(Path newDir) {
    return new RunSpec(
        newDir,
        trainer,
        policy,
        policyFactory,
        steps,
        mode,
        controller,
        decisionTimeout,
        checkpointEvery,
        snapshotEvery,
        maxRestarts,
        restartWindow,
        progress);
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private final Path dir;
    private final Supplier<? extends Trainer> trainer;
    private final PolicySpec policy;
    private final long steps;
    private Supplier<? extends Policy> policyFactory;
    private Mode mode = Mode.SYNC;
    private ControllerPlacement controller = ControllerPlacement.IN_PROCESS;
    private Duration decisionTimeout = Duration.ofSeconds(10);
    private long checkpointEvery = 1000;
    private long snapshotEvery = 1000;
    private int maxRestarts = 3;
    private Duration restartWindow = Duration.ofMinutes(1);
    private LongConsumer progress = s -> {};

    private Builder(Path dir, Supplier<? extends Trainer> trainer, PolicySpec policy, long steps) {
      this.dir = dir;
      this.trainer = trainer;
      this.policy = policy;
      this.steps = steps;
    }

    public Builder policyFactory(Supplier<? extends Policy> v) {
      policyFactory = v;
      return this;
    }

    public Builder mode(Mode v) {
      mode = v;
      return this;
    }

    public Builder controller(ControllerPlacement v) {
      controller = v;
      return this;
    }

    public Builder decisionTimeout(Duration v) {
      decisionTimeout = v;
      return this;
    }

    public Builder checkpointEvery(long v) {
      checkpointEvery = v;
      return this;
    }

    public Builder snapshotEvery(long v) {
      snapshotEvery = v;
      return this;
    }

    public Builder restartLimit(int max, Duration window) {
      maxRestarts = max;
      restartWindow = window;
      return this;
    }

    public Builder progress(LongConsumer v) {
      progress = v;
      return this;
    }

    public RunSpec build() {
      PolicySpec p = Objects.requireNonNull(policy, "policy");
      Supplier<? extends Policy> factory =
          policyFactory != null ? policyFactory : () -> Policies.create(p);
      return new RunSpec(
          dir,
          trainer,
          p,
          factory,
          steps,
          mode,
          controller,
          decisionTimeout,
          checkpointEvery,
          snapshotEvery,
          maxRestarts,
          restartWindow,
          progress);
    }
  }
}

package dev.governor.actors;

import dev.governor.telemetry.DiskFullException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Stops an actor whose queue append found the disk full, instead of letting its supervisor restart
 * it into the same failure: the message of the {@link DiskFullException} (one line naming the file)
 * is kept in {@code reason}, where the run's supervisor reads it when the actor has stopped. Any
 * other failure passes through to the supervisor unchanged.
 */
final class DiskFullGuard<T> extends BehaviorInterceptor<T, T> {
  private final AtomicReference<String> reason;

  private DiskFullGuard(Class<T> type, AtomicReference<String> reason) {
    super(type);
    this.reason = reason;
  }

  /** {@code behavior} guarded; {@code reason} receives the disk-full message. */
  static <T> Behavior<T> guard(
      Class<T> type, AtomicReference<String> reason, Behavior<T> behavior) {
    return Behaviors.intercept(() -> new DiskFullGuard<>(type, reason), behavior);
  }

  /** The disk-full failure in {@code e}'s cause chain, or null. */
  static DiskFullException diskFull(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof DiskFullException d) {
        return d;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  private Behavior<T> stop(RuntimeException e) {
    DiskFullException d = diskFull(e);
    if (d == null) {
      throw e;
    }
    reason.compareAndSet(null, d.getMessage());
    return Behaviors.stopped();
  }

  /** {@code target}'s next behavior, or stopped when it failed because the disk is full. */
  private Behavior<T> guarded(Supplier<Behavior<T>> target) {
    try {
      return target.get();
    } catch (RuntimeException e) {
      return stop(e);
    }
  }

  @Override
  public Behavior<T> aroundStart(TypedActorContext<T> ctx, PreStartTarget<T> target) {
    return guarded(() -> target.start(ctx));
  }

  @Override
  public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
    return guarded(() -> target.apply(ctx, msg));
  }

  @Override
  public Behavior<T> aroundSignal(TypedActorContext<T> ctx, Signal signal, SignalTarget<T> target) {
    return guarded(() -> target.apply(ctx, signal));
  }
}

package dev.governor.actors;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The idle strategy of an actor that polls a queue written by another process, used only on a
 * dedicated (pinned) dispatcher thread: busy-spins ({@link Thread#onSpinWait()}) for up to {@link
 * #SPIN_NANOS} after the last record it read, then parks for a time growing from 10 µs to 1 ms, and
 * starts over whenever something was read.
 *
 * <p>The spin is what makes the cross-process loop fast: the other side usually answers within a
 * few microseconds (one step or one decision), and a park costs far more than that (the kernel's
 * timer slack alone is 50 µs on Linux). The spin is bounded in time, so an idle poller (a trainer
 * in a long DL4J step, a controller waiting for a run) parks and burns no core. The clock read here
 * is the runtime's, never a controller's.
 */
final class Backoff {
  /** How long to spin after the last record before parking. */
  static final long SPIN_NANOS = 50_000;

  private static final long MIN_PARK = 10_000;
  private static final long MAX_PARK = 1_000_000;

  private final LongSupplier clock;
  private final LongConsumer parker;
  private boolean idle;
  private long idleSince;
  private long park = MIN_PARK;

  Backoff() {
    this(System::nanoTime, LockSupport::parkNanos);
  }

  /** With a given clock and park (tests). */
  Backoff(LongSupplier clock, LongConsumer parker) {
    this.clock = clock;
    this.parker = parker;
  }

  /** Something was read: poll again at once next time, and spin again when idle. */
  void reset() {
    idle = false;
    park = MIN_PARK;
  }

  /** Nothing was read: spin while the idle spell is young, else park a little (growing). */
  void idle() {
    long now = clock.getAsLong();
    if (!idle) {
      idle = true;
      idleSince = now;
    }
    if (now - idleSince < SPIN_NANOS) {
      Thread.onSpinWait();
      return;
    }
    parker.accept(park);
    park = Math.min(MAX_PARK, park * 2);
  }
}

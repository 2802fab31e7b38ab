package dev.governor.actors;

import java.util.concurrent.locks.LockSupport;

/**
 * The idle strategy of an actor that polls a queue written by another process, used only on a
 * dedicated (pinned) dispatcher thread: a few spins, then parks growing from 10 µs to 1 ms, reset
 * whenever something was read. Bounds both the added latency (≤ 1 ms when idle for long) and the
 * CPU an idle poller burns.
 */
final class Backoff {
  private static final int SPINS = 50;
  private static final long MIN_PARK = 10_000;
  private static final long MAX_PARK = 1_000_000;

  private int idle;
  private long park = MIN_PARK;

  /** Something was read: poll again at once next time. */
  void reset() {
    idle = 0;
    park = MIN_PARK;
  }

  /** Nothing was read: wait a little before the next poll. */
  void idle() {
    if (idle++ < SPINS) {
      Thread.onSpinWait();
      return;
    }
    LockSupport.parkNanos(park);
    park = Math.min(MAX_PARK, park * 2);
  }
}

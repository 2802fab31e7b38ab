package dev.governor.actors;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The in-process trainer's doorbell to its controller, coalesced: at most one {@link
 * ControllerActor.Wake} is outstanding. The trainer rings after each append but sends a {@code
 * Wake} only when none is pending; the controller answers the bell (clears it) <em>before</em> it
 * reads the queue, so an observation appended after the answer rings again and one appended before
 * it is read by that drain. Without this, a plant faster than its controller floods the
 * controller's mailbox with one wake-up per step and the controller falls ever further behind.
 *
 * <p>Shared by exactly one trainer and one controller (across their restarts); both operations are
 * atomic read-modify-writes, so the controller's answer also makes every append that preceded the
 * ring visible to its drain.
 */
final class Doorbell {
  private final AtomicBoolean pending = new AtomicBoolean();

  /** Rings; true when the caller must send the {@code Wake} (none was pending). */
  boolean ring() {
    return !pending.getAndSet(true);
  }

  /** Answers the bell before draining: the next ring sends a {@code Wake} again. */
  void answer() {
    pending.getAndSet(false);
  }

  /** Whether a wake-up is pending (tests). */
  boolean pending() {
    return pending.get();
  }
}

package dev.governor.telemetry;

import java.util.Objects;

/**
 * Something that happened at a step besides the regular observation and decision: a fault, a clamp,
 * a time-out, a skip, a rollback or a restart. Events are written into the telemetry or the
 * decision queue next to the regular records, by whoever saw them happen.
 *
 * @param kind what happened
 * @param step the step it happened at, {@code >= 0}
 * @param detail a kind-specific value (see {@link EventKind}); NaN when there is none
 */
public record Event(EventKind kind, long step, double detail) {

  /** Validates the kind and the step; {@code detail} may be any value, NaN meaning none. */
  public Event {
    Objects.requireNonNull(kind, "event kind must not be null");
    if (step < 0) {
      throw new IllegalArgumentException("event step must be >= 0, but was " + step);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Event e
        && kind == e.kind
        && step == e.step
        && Double.doubleToLongBits(detail) == Double.doubleToLongBits(e.detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, step, Double.hashCode(detail));
  }
}

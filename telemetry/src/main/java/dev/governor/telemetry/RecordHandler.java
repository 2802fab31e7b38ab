package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;

/**
 * Receives the records a tailer reads, one call per record (the "out" side of a log). Every method
 * does nothing by default, so a handler overrides only what it wants.
 */
public interface RecordHandler {

  /** An observation; a fresh, immutable object the handler may keep. */
  default void observation(Observation observation) {}

  /**
   * A decision. The holder belongs to the tailer and is overwritten by its next read: it is valid
   * only during this call. Keep a copy ({@code new Decision().copyFrom(d)} or {@code
   * d.hyperparameters()}) if it must outlive the call.
   */
  default void decision(Decision decision) {}

  /** An event; an immutable object the handler may keep. */
  default void event(Event event) {}
}

package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.util.Objects;

/**
 * One record of a queue as {@link RecordLog#records()} streams it: an observation, a decision or an
 * event. Every value is the record's own (a decision is a copy, never the tailer's holder), so a
 * caller may keep it.
 */
public sealed interface LogRecord {

  /** The step the record belongs to. */
  long step();

  /** An observation of the telemetry queue. */
  record Observed(Observation observation) implements LogRecord {
    public Observed {
      Objects.requireNonNull(observation, "observation must not be null");
    }

    @Override
    public long step() {
      return observation.step();
    }
  }

  /** A decision of the decision queue; a copy the caller owns. */
  record Decided(Decision decision) implements LogRecord {
    public Decided {
      Objects.requireNonNull(decision, "decision must not be null");
    }

    @Override
    public long step() {
      return decision.step;
    }
  }

  /** An event of either queue. */
  record Occurred(Event event) implements LogRecord {
    public Occurred {
      Objects.requireNonNull(event, "event must not be null");
    }

    @Override
    public long step() {
      return event.step();
    }
  }
}

package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.nio.file.Path;

/**
 * What an actor needs of one run's queues: the telemetry queue (observations and events) and the
 * decision queue. A thin port over the telemetry module's logs ({@link TelemetryRunLog}), so that
 * the actors name only the operations they use; it holds no data of its own.
 *
 * <p>Each actor opens its own instance (its own appenders and tailers) and closes it when it stops
 * or restarts; an instance is used by one actor at a time (the actor model gives the happens-before
 * between messages), never concurrently.
 */
interface RunLog extends AutoCloseable {

  /** The run folder. */
  Path dir();

  /** Appends one observation to the telemetry queue. */
  void append(Observation o);

  /** Appends one decision (with its step) to the decision queue. */
  void append(Decision d);

  /**
   * Records an event the trainer saw at a step, in the telemetry queue.
   *
   * @param value the number that goes with the event (see {@link RunEvent}), NaN when none
   */
  void event(long step, RunEvent kind, double value);

  /** Records an event the controller saw at a step, in the decision queue. */
  void decisionEvent(long step, RunEvent kind, double value);

  /**
   * Records the loop latency of step {@code step}: nanoseconds from its observation appended to its
   * decision applied, and the loop delay in steps (0 in synchronous mode).
   */
  void loop(long step, long latencyNanos, long delaySteps);

  /**
   * Marks the run as ended after step {@code lastStep} in the telemetry queue (an out-of-process
   * controller stops once it has decided up to there).
   */
  void end(long lastStep);

  /** Step of the newest observation in the telemetry queue, or {@code -1} when there is none. */
  long lastObservationStep();

  /** Step of the newest decision in the decision queue, or {@code -1} when there is none. */
  long lastDecisionStep();

  /** A non-blocking reader of observations, starting at the first with a step {@code >= step}. */
  ObservationCursor observationsFrom(long step);

  /** A non-blocking reader of decisions, starting at the first with a step {@code >= step}. */
  DecisionCursor decisionsFrom(long step);

  @Override
  void close();

  /** Reads observations in queue order without blocking. */
  interface ObservationCursor {
    /** The next observation, or null when none is available yet. */
    Observation next();

    /** The last step of the run if this cursor has passed its end mark, else {@code -2}. */
    long endedAfter();
  }

  /** Reads decisions in queue order without blocking. */
  interface DecisionCursor {
    /** Reads the next decision into {@code into}; false when none is available yet. */
    boolean next(Decision into);
  }
}

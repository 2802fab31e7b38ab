package dev.governor.telemetry;

import dev.governor.control.Decision;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The decision queue of a run ({@code runs/<id>/decisions}): one record per decision a policy made
 * — its step (the observation it followed; it applies to step + 1), the hyperparameters (with
 * per-layer multipliers and the guard action) and the controller internals of {@link Decision} —
 * plus {@link Event}s, on Chronicle Queue.
 *
 * <p>The same guarantees as {@link TelemetryLog}: allocation-free appends, non-blocking tailers,
 * cross-JVM tailing, torn tails never returned, one-line {@link TelemetryException}s naming the
 * file. Decisions are validated on append and on read: a decision outside the {@code
 * Hyperparameters} domain is never written nor returned.
 */
public interface DecisionLog extends RecordLog<DecisionLog.Appender, DecisionLog.Tailer> {

  /**
   * Opens the decision queue in {@code dir} for appending and tailing, creating it when needed.
   *
   * @throws TelemetryException naming the folder when it cannot be created or opened
   */
  static DecisionLog open(Path dir) {
    return new DecisionLogImpl(ChronicleLog.open(dir, "decision", false));
  }

  /**
   * Opens an existing decision queue for reading only.
   *
   * @throws TelemetryException naming the folder when it does not exist or is not a queue
   */
  static DecisionLog openReadOnly(Path dir) {
    return new DecisionLogImpl(ChronicleLog.open(dir, "decision", true));
  }

  /**
   * Every decision (events skipped) in queue order, from the first to the queue's current end, each
   * a copy the caller owns; close the stream. A decision made again for a step already decided (a
   * controller restart) appears again, where it was written.
   */
  default Stream<Decision> decisions() {
    return RecordStreams.decisions(tailer());
  }

  /** Every decision with step {@code >= step}; close the stream. */
  default Stream<Decision> decisionsFrom(long step) {
    return RecordStreams.decisions(step <= 0 ? tailer() : tailerFromStep(step))
        .filter(d -> d.step >= step);
  }

  /** The step of the newest decision (the last one written), or -1 when there is none. */
  default long lastDecidedStep() {
    try (DecisionLog.Tailer t = tailer()) {
      Decision d = new Decision();
      return RecordStreams.lastDecidedStep(t, d);
    }
  }

  /** Appends records; allocation-free. Not thread-safe: one thread at a time. */
  interface Appender extends RecordLog.Appender {

    /**
     * Appends a decision: its step, hyperparameters, multipliers, action and internals (NaN
     * internals are stored as NaN).
     *
     * @throws IllegalArgumentException naming the field when the decision's hyperparameters are out
     *     of their domain (NaN or non-positive lr, …); nothing is written then
     */
    void append(Decision decision);
  }

  /** Reads records in order without blocking. Not thread-safe: one thread at a time. */
  interface Tailer extends RecordLog.Tailer {

    /**
     * Copies the next decision (skipping events) into the caller's holder {@code into}; {@code
     * false} when there is nothing new (yet). The tailer keeps no reference to {@code into}.
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    boolean poll(Decision into);

    /**
     * Hands the next record of any kind to {@code handler} (the decision holder passed to it is
     * reused: see {@link RecordHandler#decision}); {@code false} when there is nothing new.
     */
    @Override
    boolean poll(RecordHandler handler);

    /**
     * Copies the next decision with step {@code >= step} into {@code into}, skipping earlier ones
     * (a decision made again for a step already decided, after a controller restart); {@code false}
     * when there is none (yet).
     */
    default boolean pollFrom(long step, Decision into) {
      return RecordStreams.pollFrom(this, step, into);
    }
  }
}

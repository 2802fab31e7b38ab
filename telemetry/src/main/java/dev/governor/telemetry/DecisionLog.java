package dev.governor.telemetry;

import dev.governor.control.Decision;
import java.nio.file.Path;

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
public interface DecisionLog extends AutoCloseable {

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

  /** The queue folder (absolute). */
  Path path();

  /**
   * A new appender. The first appender of this log takes the queue's writer lock ({@code
   * writer.lock}) for this process until the log is closed: one process writes a queue at a time.
   * An append that finds the disk full raises {@link DiskFullException} before writing; that
   * appender then refuses further appends.
   *
   * @throws IllegalStateException when the log is read-only or closed
   * @throws TelemetryException naming the lock file and its holder when another live process writes
   *     the queue
   */
  Appender appender();

  /** A tailer from the first record. */
  Tailer tailer();

  /** A tailer whose first record is the first one with step {@code >= step}. */
  Tailer tailerFromStep(long step);

  /** A tailer that returns only records appended after this call. */
  Tailer tailerFromEnd();

  /**
   * Reads and checks every record and reports counts, step range, size and a torn tail.
   *
   * @throws TelemetryException naming the file at the first damaged or foreign record
   */
  LogScan scan();

  @Override
  void close();

  /** Appends records; allocation-free. Not thread-safe: one thread at a time. */
  interface Appender extends AutoCloseable {

    /**
     * Appends a decision: its step, hyperparameters, multipliers, action and internals (NaN
     * internals are stored as NaN).
     *
     * @throws IllegalArgumentException naming the field when the decision's hyperparameters are out
     *     of their domain (NaN or non-positive lr, …); nothing is written then
     */
    void append(Decision decision);

    /** Appends an event at {@code step}; {@code detail} is stored as given (NaN = none). */
    void appendEvent(EventKind kind, long step, double detail);

    /** Forces what was appended so far to the disk (msync). */
    void sync();

    @Override
    void close();
  }

  /** Reads records in order without blocking. Not thread-safe: one thread at a time. */
  interface Tailer extends AutoCloseable {

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
    boolean poll(RecordHandler handler);

    /** Step of the last record read, or -1 before the first. */
    long lastStep();

    @Override
    void close();
  }
}

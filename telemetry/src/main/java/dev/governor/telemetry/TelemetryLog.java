package dev.governor.telemetry;

import dev.governor.control.Observation;
import java.nio.file.Path;

/**
 * The telemetry queue of a run ({@code runs/<id>/telemetry}): one {@link Observation} per training
 * step, plus {@link Event}s, on Chronicle Queue. The source of truth of what the trainer measured.
 *
 * <p>Appending writes each field straight into the memory-mapped queue (format in the package's
 * {@code Records}), allocating nothing per record. Tailers poll without blocking: {@code null} /
 * {@code false} means "nothing new yet", so an actor can poll on a timer or a spin loop. Another
 * JVM may tail the same folder while this one writes (and vice versa); records appear to it as soon
 * as each append completes.
 *
 * <p>Durability: a completed record survives the writer's process being killed (the mapping belongs
 * to the OS); {@link Appender#sync()} (at checkpoints) and {@link #close()} also force the files to
 * the disk, which survives an OS crash. A record torn by a kill is never returned; {@link #scan()}
 * reports it.
 *
 * <p>Errors: a missing, damaged or foreign queue or record raises a {@link TelemetryException}
 * whose one-line message names the file.
 */
public interface TelemetryLog extends AutoCloseable {

  /**
   * Opens the telemetry queue in {@code dir} for appending and tailing, creating it when needed.
   *
   * @throws TelemetryException naming the folder when it cannot be created or opened
   */
  static TelemetryLog open(Path dir) {
    return new TelemetryLogImpl(ChronicleLog.open(dir, "telemetry", false));
  }

  /**
   * Opens an existing telemetry queue for reading only; it is never modified (also when damaged).
   *
   * @throws TelemetryException naming the folder when it does not exist or is not a queue
   */
  static TelemetryLog openReadOnly(Path dir) {
    return new TelemetryLogImpl(ChronicleLog.open(dir, "telemetry", true));
  }

  /** The queue folder (absolute). */
  Path path();

  /**
   * A new appender. Use one per writing thread (or hand it between threads, one at a time). The
   * first appender of this log takes the queue's writer lock ({@code writer.lock}) for this process
   * until the log is closed: one process writes a queue at a time. An append that finds the disk
   * full raises {@link DiskFullException} before writing; that appender then refuses further
   * appends.
   *
   * @throws IllegalStateException when the log is read-only or closed
   * @throws TelemetryException naming the lock file and its holder when another live process writes
   *     the queue
   */
  Appender appender();

  /** A tailer from the first record. */
  Tailer tailer();

  /**
   * A tailer whose first record is the first one with step {@code >= step} (binary search; assumes
   * the steps along the queue do not decrease, which holds for a run's telemetry).
   */
  Tailer tailerFromStep(long step);

  /** A tailer that returns only records appended after this call. */
  Tailer tailerFromEnd();

  /**
   * Reads and checks every record and reports counts, step range, size and a torn tail.
   *
   * @throws TelemetryException naming the file at the first damaged or foreign record
   */
  LogScan scan();

  /** Closes every appender and tailer of this log (syncing the appenders), then the queue. */
  @Override
  void close();

  /** Appends records; allocation-free. Not thread-safe: one thread at a time. */
  interface Appender extends AutoCloseable {

    /**
     * Appends one observation. Measurements are stored as given — NaN and Inf included, bit for bit
     * — because telemetry records what happened; consumers decide what NaN means.
     */
    void append(Observation observation);

    /** Appends an event at {@code step}; {@code detail} is stored as given (NaN = none). */
    void appendEvent(EventKind kind, long step, double detail);

    /** Forces what was appended so far to the disk (msync); call at checkpoints. */
    void sync();

    /** Closes this appender (syncing it); the log stays open. */
    @Override
    void close();
  }

  /** Reads records in order without blocking. Not thread-safe: one thread at a time. */
  interface Tailer extends AutoCloseable {

    /**
     * The next observation, skipping events; {@code null} when there is nothing new (yet). A fresh,
     * immutable object the caller may keep.
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    Observation poll();

    /**
     * Hands the next record of any kind to {@code handler}; {@code false} when there is nothing new
     * (yet).
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    boolean poll(RecordHandler handler);

    /** Step of the last record read, or -1 before the first. */
    long lastStep();

    @Override
    void close();
  }
}

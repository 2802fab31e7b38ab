package dev.governor.telemetry;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What the telemetry and the decision queue of a run have in common: a Chronicle queue of one main
 * record kind ({@link TelemetryLog}: observations; {@link DecisionLog}: decisions) plus {@link
 * Event}s, appended by one process and tailed by any number.
 *
 * <p>Reading a queue: {@link #records()} and the typed streams of the two logs ({@code
 * observations()}, {@code decisions()}) read from the first record to the end the queue has when
 * they reach it; they never block and never wait for more. Each stream holds a tailer: close it
 * (try-with-resources) or consume it to the end and close it. A tailer kept open across time reads
 * what was appended since with {@link Tailer#drain}. A damaged or foreign record raises a {@link
 * TelemetryException} naming the file from the stream operation that reaches it; a torn tail ends
 * the stream (and {@link #scan()} reports it).
 */
public interface RecordLog<A extends RecordLog.Appender, T extends RecordLog.Tailer>
    extends AutoCloseable {

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
  A appender();

  /** A tailer from the first record. */
  T tailer();

  /**
   * A tailer whose first record is the first one with step {@code >= step} (binary search; assumes
   * the steps along the queue do not decrease).
   */
  T tailerFromStep(long step);

  /** A tailer that returns only records appended after this call. */
  T tailerFromEnd();

  /**
   * Reads and checks every record and reports counts, step range, size and a torn tail.
   *
   * @throws TelemetryException naming the file at the first damaged or foreign record
   */
  LogScan scan();

  /** Every record, from the first to the queue's current end; close the stream. */
  default Stream<LogRecord> records() {
    return RecordStreams.records(tailer());
  }

  /** Every record from the first one with step {@code >= step} on; close the stream. */
  default Stream<LogRecord> recordsFrom(long step) {
    return RecordStreams.records(step <= 0 ? tailer() : tailerFromStep(step));
  }

  /** The events of this queue in queue order; close the stream. */
  default Stream<Event> events() {
    return RecordStreams.events(records());
  }

  /**
   * The step after which the run's writer marked this queue ended (the detail of its last {@link
   * EventKind#END} event: -1 when it ended before any step), or empty when it holds no end mark.
   */
  default OptionalLong endedAfter() {
    try (Stream<Event> s = events()) {
      return s.filter(e -> e.kind() == EventKind.END)
          .mapToLong(e -> (long) e.detail())
          .reduce((a, b) -> b);
    }
  }

  /** Closes every appender and tailer of this log (syncing the appenders), then the queue. */
  @Override
  void close();

  /** Appends records; allocation-free. Not thread-safe: one thread at a time. */
  interface Appender extends AutoCloseable {

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
     * Hands the next record of any kind to {@code handler}; {@code false} when there is nothing new
     * (yet).
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    boolean poll(RecordHandler handler);

    /**
     * Hands every record there is now to {@code handler}, in order, and returns how many; 0 when
     * there is nothing new. The tailer stays open and a later call reads on from here.
     *
     * @throws TelemetryException naming the file when a record is damaged or foreign (the records
     *     before it were handed over)
     */
    default long drain(RecordHandler handler) {
      return RecordStreams.drain(this, handler);
    }

    /**
     * The next record of any kind as an owned value (a decision is a copy), or null when there is
     * nothing new (yet); a later call reads on. For a tailer kept open across time; a read to the
     * current end is {@link RecordLog#records()}.
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    default LogRecord next() {
      return RecordStreams.next(this);
    }

    /** Step of the last record read, or -1 before the first. */
    long lastStep();

    @Override
    void close();
  }
}

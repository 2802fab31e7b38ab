package dev.governor.telemetry;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.stream.Stream;

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
public interface TelemetryLog extends RecordLog {

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
  @Override
  Appender appender();

  /** A tailer from the first record. */
  @Override
  Tailer tailer();

  /**
   * A tailer whose first record is the first one with step {@code >= step} (binary search; assumes
   * the steps along the queue do not decrease, which holds for a run's telemetry).
   */
  @Override
  Tailer tailerFromStep(long step);

  /** A tailer that returns only records appended after this call. */
  @Override
  Tailer tailerFromEnd();

  /**
   * Every observation (events skipped), from the first to the queue's current end, each a fresh
   * immutable object; close the stream.
   */
  default Stream<Observation> observations() {
    return RecordStreams.observations(tailer());
  }

  /** Every observation with step {@code >= step}; close the stream. */
  default Stream<Observation> observationsFrom(long step) {
    return RecordStreams.observations(step <= 0 ? tailer() : tailerFromStep(step))
        .filter(o -> o.step() >= step);
  }

  /** The step of the newest observation, or -1 when there is none. */
  default long lastObservedStep() {
    try (Stream<Observation> s = observations()) {
      return s.mapToLong(Observation::step).reduce((a, b) -> b).orElse(-1);
    }
  }

  /** Appends records; allocation-free. Not thread-safe: one thread at a time. */
  interface Appender extends RecordLog.Appender {

    /**
     * Appends one observation. Measurements are stored as given — NaN and Inf included, bit for bit
     * — because telemetry records what happened; consumers decide what NaN means.
     */
    void append(Observation observation);
  }

  /** Reads records in order without blocking. Not thread-safe: one thread at a time. */
  interface Tailer extends RecordLog.Tailer {

    /**
     * The next observation, skipping events; {@code null} when there is nothing new (yet). A fresh,
     * immutable object the caller may keep.
     *
     * @throws TelemetryException naming the file when the next record is damaged or foreign
     */
    Observation poll();
  }
}

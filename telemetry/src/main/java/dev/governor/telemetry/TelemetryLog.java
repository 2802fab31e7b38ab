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
public interface TelemetryLog extends RecordLog<TelemetryLog.Appender, TelemetryLog.Tailer> {

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

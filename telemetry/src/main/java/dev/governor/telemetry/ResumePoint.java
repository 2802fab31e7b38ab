package dev.governor.telemetry;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a run folder stands for continuing it, as {@link RunFolder#resumePoint()} reads it: whether
 * another live process still writes it, whether its telemetry carries an end mark, and the steps of
 * its newest observation and decision.
 *
 * @param dir the run folder
 * @param liveWriter the live process writing one of its queues, or empty
 * @param endedAfter the step after which the run is marked ended, or empty
 * @param lastObservedStep the newest observation's step, -1 when there is none
 * @param lastDecidedStep the newest decision's step, -1 when there is none
 */
public record ResumePoint(
    Path dir,
    Optional<String> liveWriter,
    OptionalLong endedAfter,
    long lastObservedStep,
    long lastDecidedStep) {

  public ResumePoint {
    Objects.requireNonNull(dir, "dir must not be null");
    Objects.requireNonNull(liveWriter, "liveWriter must not be null");
    Objects.requireNonNull(endedAfter, "endedAfter must not be null");
  }

  /**
   * Why the run's trainer cannot be continued, in one line ("run D is still being written: …; wait
   * for it", "run D has already ended (after step N)"), or empty when it can.
   */
  public Optional<String> refusal() {
    if (liveWriter.isPresent()) {
      return Optional.of(
          "run " + dir + " is still being written: " + liveWriter.get() + "; wait for it");
    }
    if (endedAfter.isPresent()) {
      return Optional.of(
          "run " + dir + " has already ended (after step " + endedAfter.getAsLong() + ")");
    }
    return Optional.empty();
  }

  /** Whether the trainer can continue the run ({@link #refusal()} is empty). */
  public boolean resumable() {
    return refusal().isEmpty();
  }

  /** The first step a continued trainer runs: the step after the newest observation. */
  public long nextStep() {
    return lastObservedStep + 1;
  }

  /** Whether every step the run observed before its end mark has a decision. */
  public boolean fullyDecided() {
    return endedAfter.isPresent() && lastDecidedStep >= endedAfter.getAsLong();
  }
}

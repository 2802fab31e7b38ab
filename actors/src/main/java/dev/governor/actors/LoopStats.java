package dev.governor.actors;

import org.HdrHistogram.Histogram;

/**
 * Counters and the loop-latency histogram of one run, written by its trainer actor (across its
 * restarts) and read by the run supervisor after the trainer reported the end (the message gives
 * the happens-before). Not thread-safe otherwise.
 *
 * <p>Latency is observation appended → decision applied, in nanoseconds from {@link
 * System#nanoTime()}; delay is in steps: the step a decision is applied at, minus one, minus the
 * step it was made after (0 when every decision arrives in time).
 */
final class LoopStats {
  final Histogram latency = new Histogram(3_600_000_000_000L, 3);
  long decisionsApplied;
  long timeouts;
  long duplicates;
  long delaySum;
  long delayMax;
  long trainerRestarts;
  long replayMismatches;
  long stepsRun;

  void applied(long latencyNanos, long delaySteps) {
    decisionsApplied++;
    if (latencyNanos >= 0) {
      latency.recordValue(Math.min(latencyNanos, latency.getHighestTrackableValue()));
    }
    delaySum += delaySteps;
    delayMax = Math.max(delayMax, delaySteps);
  }

  /** Latency percentile in microseconds (NaN when nothing was recorded). */
  double latencyMicros(double percentile) {
    return latency.getTotalCount() == 0
        ? Double.NaN
        : latency.getValueAtPercentile(percentile) / 1000.0;
  }

  double meanDelay() {
    return decisionsApplied == 0 ? Double.NaN : (double) delaySum / decisionsApplied;
  }
}

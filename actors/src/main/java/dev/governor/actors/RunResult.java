package dev.governor.actors;

import dev.governor.control.Observation;
import java.nio.file.Path;

/**
 * How a run through the actor runtime ended.
 *
 * @param dir the run folder
 * @param completed whether every step ran (false when an actor exhausted its restarts)
 * @param failure why the run did not complete (empty when it did)
 * @param stepsRun steps the trainer ran (after the last restart's catch-up)
 * @param decisionsApplied decisions the trainer applied
 * @param timeouts synchronous waits that ended without the decision
 * @param duplicates decisions received twice and ignored (idempotent by step)
 * @param trainerRestarts times the trainer actor restarted
 * @param controllerRestarts times the in-process controller restarted (0 when external)
 * @param replayMismatches re-run steps after a restart that differed from the recorded ones
 * @param latencyP50Micros median loop latency, observation appended → decision applied (µs)
 * @param latencyP99Micros 99th percentile of the same (µs)
 * @param latencyMaxMicros maximum of the same (µs)
 * @param meanDelaySteps mean loop delay in steps (0 in synchronous mode without time-outs)
 * @param maxDelaySteps maximum loop delay in steps
 * @param last the last observation (null when no step ran)
 */
public record RunResult(
    Path dir,
    boolean completed,
    String failure,
    long stepsRun,
    long decisionsApplied,
    long timeouts,
    long duplicates,
    long trainerRestarts,
    long controllerRestarts,
    long replayMismatches,
    double latencyP50Micros,
    double latencyP99Micros,
    double latencyMaxMicros,
    double meanDelaySteps,
    long maxDelaySteps,
    Observation last) {

  static RunResult of(
      Path dir,
      boolean completed,
      String failure,
      LoopStats s,
      long controllerRestarts,
      Observation last) {
    return new RunResult(
        dir,
        completed,
        failure,
        s.stepsRun,
        s.decisionsApplied,
        s.timeouts,
        s.duplicates,
        s.trainerRestarts,
        controllerRestarts,
        s.replayMismatches,
        s.latencyMicros(50),
        s.latencyMicros(99),
        s.latency.getTotalCount() == 0 ? Double.NaN : s.latency.getMaxValue() / 1000.0,
        s.meanDelay(),
        s.delayMax,
        last);
  }
}

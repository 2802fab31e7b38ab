package dev.governor.testkit;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.TelemetryException;
import dev.governor.telemetry.TelemetryLog;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a run folder's queues hold, read into lists for assertions: the observations, decisions and
 * events, opened read-only and read to their current end.
 */
public final class RunContents {
  private RunContents() {}

  /** Every observation of the run folder {@code run}'s telemetry queue, in order. */
  public static List<Observation> observations(Path run) {
    try (TelemetryLog log = TelemetryLog.openReadOnly(run.resolve("telemetry"));
        Stream<Observation> s = log.observations()) {
      return s.toList();
    }
  }

  /** Every decision of {@code run}'s decision queue, in queue order (copies). */
  public static List<Decision> decisions(Path run) {
    try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"));
        Stream<Decision> s = log.decisions()) {
      return s.toList();
    }
  }

  /** The decisions in {@code run}'s decision queue so far; 0 while the queue does not exist yet. */
  public static long decisionCount(Path run) {
    try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"))) {
      return log.scan().decisions();
    } catch (TelemetryException e) {
      return 0;
    }
  }

  /** Every event of the telemetry queue (trainer side) or of the decision queue (controller). */
  public static List<Event> events(Path run, boolean decisionQueue) {
    if (decisionQueue) {
      try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"));
          Stream<Event> s = log.events()) {
        return s.toList();
      }
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(run.resolve("telemetry"));
        Stream<Event> s = log.events()) {
      return s.toList();
    }
  }

  /** The events of one kind of the telemetry or decision queue. */
  public static List<Event> events(Path run, EventKind kind, boolean decisionQueue) {
    return events(run, decisionQueue).stream().filter(e -> e.kind() == kind).toList();
  }

  /** The decided hyperparameters of each decision (what the trainer applies). */
  public static List<Hyperparameters> decided(List<Decision> ds) {
    return ds.stream().map(Decision::hyperparameters).toList();
  }

  /** The step of each decision. */
  public static List<Long> steps(List<Decision> ds) {
    return ds.stream().map(d -> d.step).toList();
  }

  /** The step of each observation. */
  public static List<Long> observedSteps(List<Observation> os) {
    return os.stream().map(Observation::step).toList();
  }
}

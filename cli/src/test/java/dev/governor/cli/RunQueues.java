package dev.governor.cli;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RecordHandler;
import dev.governor.telemetry.TelemetryLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads what a run folder's queues hold; runs the CLI in process. */
final class RunQueues {
  private RunQueues() {}

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  static List<Observation> observations(Path run) {
    List<Observation> out = new ArrayList<>();
    try (TelemetryLog log = TelemetryLog.openReadOnly(run.resolve("telemetry"));
        TelemetryLog.Tailer t = log.tailer()) {
      for (Observation o = t.poll(); o != null; o = t.poll()) {
        out.add(o);
      }
    }
    return out;
  }

  static List<Decision> decisions(Path run) {
    List<Decision> out = new ArrayList<>();
    try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"));
        DecisionLog.Tailer t = log.tailer()) {
      Decision d = new Decision();
      while (t.poll(d)) {
        out.add(new Decision().copyFrom(d));
      }
    }
    return out;
  }

  /** Decisions in the queue so far; 0 while the queue does not exist yet. */
  static long countDecisions(Path run) {
    try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"))) {
      return log.scan().decisions();
    } catch (dev.governor.telemetry.TelemetryException e) {
      return 0;
    }
  }

  static List<Event> events(Path run, EventKind kind, boolean decisionQueue) {
    List<Event> out = new ArrayList<>();
    RecordHandler h =
        new RecordHandler() {
          @Override
          public void event(Event e) {
            if (e.kind() == kind) {
              out.add(e);
            }
          }
        };
    if (decisionQueue) {
      try (DecisionLog log = DecisionLog.openReadOnly(run.resolve("decisions"));
          DecisionLog.Tailer t = log.tailer()) {
        while (t.poll(h)) {
          // collect
        }
      }
    } else {
      try (TelemetryLog log = TelemetryLog.openReadOnly(run.resolve("telemetry"));
          TelemetryLog.Tailer t = log.tailer()) {
        while (t.poll(h)) {
          // collect
        }
      }
    }
    return out;
  }

  static List<Hyperparameters> decided(List<Decision> ds) {
    return ds.stream().map(Decision::hyperparameters).toList();
  }

  static List<Long> steps(List<Decision> ds) {
    return ds.stream().map(d -> d.step).toList();
  }

  static List<Long> observedSteps(List<Observation> os) {
    return os.stream().map(Observation::step).toList();
  }
}

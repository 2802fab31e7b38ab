package dev.governor.cli;

import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Series;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.LogRecord;
import dev.governor.telemetry.RunFolder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What {@code governor train --plant} ({@link TrainCommand}) writes once the run has ended: the
 * fields of {@code summary.json}, the terminal table and {@code report.html}.
 */
final class TrainReport {
  private TrainReport() {}

  /** The fields of the run's {@code summary.json}. */
  static Map<String, Object> summary(
      RunResult r,
      PolicySpec policySpec,
      SimulatedTrainer.Config plantConfig,
      long seed,
      long steps,
      RunSpec.Mode m,
      RunSpec.ControllerPlacement placement,
      double seconds) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("command", "train");
    s.put("plant", plantConfig.problem().toString());
    s.put("optimizer", plantConfig.optimizer().toString());
    s.put("policy", policySpec.toString());
    s.put("seed", seed);
    s.put("steps", steps);
    s.put("mode", m.toString().toLowerCase(Locale.ROOT));
    s.put(
        "controller",
        placement == RunSpec.ControllerPlacement.EXTERNAL ? "external" : "in-process");
    s.put("completed", r.completed());
    s.put("failure", r.failure());
    s.put("steps_run", r.stepsRun());
    Observation last = r.last();
    s.put("final_loss", last == null ? null : last.loss());
    s.put("final_lr", last == null ? null : last.lr());
    s.put("decisions_applied", r.decisionsApplied());
    s.put("timeouts", r.timeouts());
    s.put("duplicates_ignored", r.duplicates());
    s.put("trainer_restarts", r.trainerRestarts());
    s.put("controller_restarts", r.controllerRestarts());
    s.put("replay_mismatches", r.replayMismatches());
    s.put("latency_p50_us", r.latencyP50Micros());
    s.put("latency_p99_us", r.latencyP99Micros());
    s.put("latency_max_us", r.latencyMaxMicros());
    s.put("mean_delay_steps", r.meanDelaySteps());
    s.put("max_delay_steps", r.maxDelaySteps());
    s.put("seconds", seconds);
    s.put("steps_per_second", seconds > 0 ? r.stepsRun() / seconds : null);
    return s;
  }

  /** The terminal table: a header line and the run's line. */
  static List<String> table(RunResult r, double seconds, String controller, String mode) {
    List<String> rows = new ArrayList<>();
    rows.add(
        String.format(
            Locale.ROOT,
            "%-10s %-6s %8s %12s %12s %8s %9s %9s %10s",
            "controller",
            "mode",
            "steps",
            "final loss",
            "final lr",
            "timeouts",
            "p50 us",
            "p99 us",
            "steps/s"));
    Observation last = r.last();
    rows.add(
        String.format(
            Locale.ROOT,
            "%-10s %-6s %8d %12.5g %12.5g %8d %9.1f %9.1f %10.0f",
            controller,
            mode,
            r.stepsRun(),
            last == null ? Double.NaN : last.loss(),
            last == null ? Double.NaN : last.lr(),
            r.timeouts(),
            r.latencyP50Micros(),
            r.latencyP99Micros(),
            seconds > 0 ? r.stepsRun() / seconds : Double.NaN));
    return rows;
  }

  /** The report: loss and learning rate by step, loop latency by step. */
  static String page(
      RunFolder folder, RunResult r, PolicySpec policySpec, String controller, String mode) {
    List<double[]> rows = new ArrayList<>();
    List<double[]> latency = new ArrayList<>();
    try (Stream<LogRecord> records = folder.telemetryRecords()) {
      records.forEach(
          rec -> {
            if (rec instanceof LogRecord.Observed ob) {
              Observation o = ob.observation();
              rows.add(new double[] {o.step(), o.loss(), o.lr()});
            } else if (rec instanceof LogRecord.Occurred oc
                && oc.event().kind() == EventKind.LATENCY) {
              latency.add(new double[] {oc.event().step(), oc.event().detail() / 1000.0});
            }
          });
    }
    double[] step = rows.stream().mapToDouble(a -> a[0]).toArray();
    HtmlPage rep = new HtmlPage("governor train: " + folder.dir().getFileName());
    rep.text(
        "Policy "
            + policySpec
            + "; "
            + controller
            + " controller, "
            + mode
            + " mode; "
            + r.stepsRun()
            + " steps, "
            + r.timeouts()
            + " time-outs, loop latency p50 "
            + String.format(Locale.ROOT, "%.1f", r.latencyP50Micros())
            + " us, p99 "
            + String.format(Locale.ROOT, "%.1f", r.latencyP99Micros())
            + " us.");
    Chart loss = Chart.of("Training loss", "step", "loss").logY();
    line(loss, "loss", step, rows.stream().mapToDouble(a -> a[1]).toArray());
    rep.chart(loss);
    Chart lrChart = Chart.of("Learning rate applied", "step", "lr").logY();
    line(lrChart, "lr", step, rows.stream().mapToDouble(a -> a[2]).toArray());
    rep.chart(lrChart);
    if (!latency.isEmpty()) {
      Chart lat = Chart.of("Loop latency (observation -> decision applied)", "step", "us").logY();
      line(
          lat,
          "latency",
          latency.stream().mapToDouble(a -> a[0]).toArray(),
          latency.stream().mapToDouble(a -> a[1]).toArray());
      rep.chart(lat);
    }
    return rep.html();
  }

  /** Most points drawn per series of the report; longer runs are thinned by bucket min/max. */
  static final int REPORT_POINTS = 4000;

  private static void line(Chart c, String name, double[] x, double[] y) {
    c.maxPoints(REPORT_POINTS).add(Series.line(name, x, y));
  }
}

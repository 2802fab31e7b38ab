package dev.governor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Json;
import dev.governor.telemetry.Diagnosis;
import dev.governor.telemetry.Inspection;
import dev.governor.telemetry.RunFolder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code governor inspect}: a summary table (or JSON) of one run folder. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Summarize a run folder: steps, loss first/last/min, divergence, loss spikes (rolling "
          + "z-score > 4 over the previous 50 steps), clip rate, mean effective LR, LR/clip/WD "
          + "ranges (applied and decided), faults, guard actions and events, queue sizes and torn "
          + "tails, and a diagnosis from the telemetry: under-fitting (loss flat and high with "
          + "the LR at its floor or tiny updates), over-fitting (validation loss rising while the "
          + "training loss falls), instability (spikes, clip rate > 0.5, guard actions, NaN/Inf), "
          + "LR too high for the curvature (median lr x secant sharpness > 2), each with its "
          + "numbers and what to try next.",
      "",
      "Exit codes: 0 ok, 2 bad input (one line names it)."
    })
public final class InspectCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run folder.")
  Path run;

  @Option(names = "--json", description = "Print JSON (for scripts) instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    RunFolder folder = RunFolder.open(run);
    Inspection.Summary s = Inspection.inspect(folder);
    List<Diagnosis.Verdict> diagnosis = Diagnosis.of(folder);
    PrintWriter out = spec.commandLine().getOut();
    List<List<String>> imported = importRows(folder.header().config());
    if (json) {
      ObjectMapper m = Json.MAPPER;
      ObjectNode tree = m.valueToTree(s);
      tree.set("diagnosis", m.valueToTree(diagnosis));
      if (!imported.isEmpty()) {
        ObjectNode imp = tree.putObject("import");
        for (Map.Entry<String, String> e : folder.header().config().entrySet()) {
          if (e.getKey().startsWith("import.")) {
            imp.put(e.getKey().substring("import.".length()), e.getValue());
          }
        }
      }
      out.print(Json.pretty(tree));
      out.flush();
      return 0;
    }
    List<List<String>> rows = rows(s);
    for (List<String> r : rows.subList(1, rows.size())) {
      row(out, r.get(0), r.get(1));
    }
    for (List<String> r : imported) {
      row(out, r.get(0), r.get(1));
    }
    for (List<String> r : diagnosisRows(diagnosis)) {
      row(out, r.get(0), r.get(1));
    }
    out.flush();
    return 0;
  }

  /**
   * Where an imported run came from, as rows {field, value}: the source and format, which tag each
   * column was read from ({@code import.tag.*}), the tags left out, the TensorBoard runs and the
   * values restarts discarded. Empty for a run that was not imported from another tool.
   */
  static List<List<String>> importRows(Map<String, String> config) {
    List<List<String>> rows = new ArrayList<>();
    if (!config.containsKey("import.source")) {
      return rows;
    }
    rows.add(
        List.of(
            "imported from",
            config.get("import.source") + " (" + config.getOrDefault("import.format", "?") + ")"));
    List<String> tags = new ArrayList<>();
    for (Map.Entry<String, String> e : config.entrySet()) {
      if (e.getKey().startsWith("import.tag.")) {
        tags.add(e.getKey().substring("import.tag.".length()) + " <- " + e.getValue());
      }
    }
    if (!tags.isEmpty()) {
      rows.add(List.of("import tags", String.join(", ", tags)));
    }
    if (config.containsKey("import.tags.ignored")) {
      rows.add(List.of("import tags ignored", config.get("import.tags.ignored")));
    }
    if (config.containsKey("import.runs")) {
      rows.add(List.of("import runs", config.get("import.runs")));
    }
    if (config.containsKey("import.purged")) {
      rows.add(
          List.of(
              "import restarts",
              config.get("import.purged")
                  + " values discarded ("
                  + config.getOrDefault("import.restarts", "tensorboard")
                  + " rule)"));
    }
    return rows;
  }

  /** The summary as rows {field, value} under a header row (the terminal table and reports). */
  static List<List<String>> rows(Inspection.Summary s) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("field", "value"));
    rows.add(List.of("run", s.run()));
    rows.add(List.of("policy", s.policy()));
    rows.add(
        List.of(
            "steps",
            s.steps() + (s.steps() > 0 ? " (" + s.firstStep() + " .. " + s.lastStep() + ")" : "")));
    rows.add(
        List.of(
            "loss first / last / min",
            num(s.lossFirst())
                + " / "
                + num(s.lossLast())
                + " / "
                + num(s.lossMin())
                + (s.lossMinStep() >= 0 ? " (step " + s.lossMinStep() + ")" : "")));
    rows.add(List.of("diverged", s.diverged() ? "yes, at step " + s.divergedAt() : "no"));
    rows.add(
        List.of(
            "loss spikes",
            s.spikes() + (s.spikeSteps().isEmpty() ? "" : " at steps " + s.spikeSteps())));
    rows.add(List.of("faults (NaN/Inf steps)", "" + s.faults()));
    rows.add(List.of("clip rate", num(s.clipRate())));
    rows.add(List.of("mean effective LR", num(s.meanEffectiveLr())));
    rows.add(List.of("lr applied", range(s.lr())));
    rows.add(List.of("clip applied", range(s.clip())));
    rows.add(List.of("wd applied", range(s.wd())));
    rows.add(List.of("decisions", "" + s.decisions()));
    if (s.decisions() > 0) {
      rows.add(List.of("lr decided", range(s.decidedLr())));
      rows.add(List.of("clip decided", range(s.decidedClip())));
      rows.add(List.of("wd decided", range(s.decidedWd())));
    }
    rows.add(List.of("guard actions", counts(s.guardActions())));
    rows.add(List.of("events", counts(s.events())));
    if (s.earlyStop() != null) {
      double best = s.earlyStop().detail();
      rows.add(
          List.of(
              "early stop",
              "after step "
                  + s.earlyStop().step()
                  + (Double.isFinite(best)
                      ? ", best evaluation at step " + (long) best
                      : ", no best evaluation")));
    }
    rows.add(List.of("telemetry queue", queue(s.telemetryQueue())));
    rows.add(
        List.of("decision queue", s.decisionQueue() == null ? "none" : queue(s.decisionQueue())));
    return rows;
  }

  /** The diagnosis as rows {field, value}: "diagnosis none", or each verdict and its advice. */
  static List<List<String>> diagnosisRows(List<Diagnosis.Verdict> d) {
    List<List<String>> rows = new ArrayList<>();
    if (d.isEmpty()) {
      rows.add(List.of("diagnosis", "none (no under-fitting, over-fitting, instability, LR edge)"));
    }
    for (Diagnosis.Verdict v : d) {
      rows.add(List.of("diagnosis", v.kind() + ": " + v.finding()));
      rows.add(List.of("", "try: " + v.advice()));
    }
    return rows;
  }

  private static void row(PrintWriter out, String k, String v) {
    out.printf(Locale.ROOT, "%-24s %s%n", k, v);
  }

  static String num(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return String.format(Locale.ROOT, "%.6g", v);
  }

  private static String range(Inspection.Range r) {
    if (Double.isNaN(r.min())) {
      return "n/a";
    }
    return r.min() == r.max() ? num(r.min()) : num(r.min()) + " .. " + num(r.max());
  }

  private static String counts(Map<String, Long> m) {
    if (m.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    return sb.toString();
  }

  private static String queue(Inspection.QueueSize q) {
    return q.records()
        + " records, "
        + q.files()
        + " file(s), "
        + String.format(Locale.ROOT, "%.1f", q.bytesOnDisk() / 1048576.0)
        + " MiB of (sparse) files"
        + (q.tornTail() == null ? "" : "; TORN TAIL: " + q.tornTail());
  }
}

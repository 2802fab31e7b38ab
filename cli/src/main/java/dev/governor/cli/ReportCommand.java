package dev.governor.cli;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.telemetry.Diagnosis;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.Inspection;
import dev.governor.telemetry.LogRecord;
import dev.governor.telemetry.RunFolder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor report}: a standalone HTML report of one or several run folders, read from their
 * telemetry and decision queues: loss (log scale), the applied learning rate, clip threshold and
 * weight decay, each run's gradient norm against its clip threshold, guard and loop events marked,
 * and each run's {@code inspect} table.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write a standalone HTML report (plots embedded as PNG) of one or several run folders, "
          + "read from their telemetry and decision queues: loss (log scale), applied LR / clip / "
          + "weight decay, gradient norm with the clip threshold, skip / rollback / time-out "
          + "events marked, and each run's inspect table.",
      "",
      "Example: governor report --run runs/demo1/pi-lr1 --run runs/demo1/cosine-lr1 "
          + "--out pi-vs-cosine.html",
      ""
    },
    footer = {
      "",
      "Default --out: DIR/report.html for one run; required for several. An existing file is "
          + "only replaced with --force.",
      "Exit codes: 0 ok, 2 bad input (missing or damaged run folder, existing --out; one line)."
    })
public final class ReportCommand implements Callable<Integer> {

  /** Events marked on the loss and gradient-norm plots. */
  static final Set<EventKind> MARKED =
      EnumSet.of(
          EventKind.SKIP,
          EventKind.ROLLBACK,
          EventKind.TIMEOUT,
          EventKind.RESET,
          EventKind.EARLY_STOP);

  /** Most points per series; longer runs are thinned evenly (events are always kept). */
  static final int MAX_POINTS = 4000;

  @Spec CommandSpec spec;

  @Option(
      names = "--run",
      required = true,
      paramLabel = "DIR",
      description = "A run folder (repeatable).")
  List<Path> runs = new ArrayList<>();

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "The HTML file. Default DIR/report.html when there is one run.")
  Path out;

  @Option(names = "--force", description = "Replace --out when it exists.")
  boolean force;

  @Option(names = "--title", paramLabel = "TEXT", description = "Report title.")
  String title;

  /** One run's series, read from its queues. */
  record Series(
      String id,
      String policy,
      double[] step,
      double[] loss,
      double[] valLoss,
      double[] gradNorm,
      double[] lr,
      double[] clip,
      double[] wd,
      List<Event> events,
      Inspection.Summary summary,
      List<Diagnosis.Verdict> diagnosis) {

    Series named(String n) {
      return new Series(
          n, policy, step, loss, valLoss, gradNorm, lr, clip, wd, events, summary, diagnosis);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path target = out;
    if (target == null) {
      if (runs.size() != 1) {
        throw new UserException(
            "--out is required with several runs (" + runs.size() + " --run given)");
      }
      target = runs.get(0).resolve("report.html");
    }
    boolean replacing = Files.exists(target);
    if (replacing && (!force || Files.isDirectory(target))) {
      throw new UserException(
          "--out "
              + target
              + (Files.isDirectory(target)
                  ? " is a folder; give a file name"
                  : " already exists; use --force to replace it or choose another --out"));
    }
    // Read every run before writing anything: a bad run folder leaves no partial report behind.
    List<Series> all = new ArrayList<>();
    Set<Path> seen = new LinkedHashSet<>();
    Set<String> names = new LinkedHashSet<>();
    for (Path r : runs) {
      if (!seen.add(r.toAbsolutePath().normalize())) {
        throw new UserException("--run " + r + " is given twice");
      }
      Series s = read(r);
      // plot legends need distinct names: runs of the same id get their folder name appended
      String name = s.id();
      for (int k = 2; !names.add(name); k++) {
        name =
            s.id()
                + " ("
                + r.toAbsolutePath().normalize().getParent().getFileName()
                + (k > 2 ? " " + k : "")
                + ")";
      }
      all.add(name.equals(s.id()) ? s : s.named(name));
    }
    HtmlPage rep = build(all, title);
    rep.write(target);
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.println(
        "report: "
            + (replacing ? "replaced " : "wrote ")
            + target
            + " ("
            + all.size()
            + " run(s))");
    stdout.flush();
    return 0;
  }

  /**
   * Reads a run folder's queues.
   *
   * @throws UserException naming the folder when it is not a run folder or has no telemetry
   * @throws dev.governor.telemetry.TelemetryException naming the file when a queue is damaged
   */
  static Series read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserException("--run " + dir + ": no such folder");
    }
    RunFolder run = RunFolder.open(dir);
    if (!run.hasTelemetry()) {
      throw new UserException("--run " + dir + ": the run has no telemetry queue");
    }
    Inspection.Summary summary = Inspection.inspect(run);
    Columns c = new Columns();
    List<Event> events = new ArrayList<>();
    try (Stream<LogRecord> records = run.telemetryRecords()) {
      records.forEach(
          r -> {
            if (r instanceof LogRecord.Observed o) {
              c.add(o.observation());
            } else if (r instanceof LogRecord.Occurred e) {
              events.add(e.event());
            }
          });
    }
    try (Stream<LogRecord> records = run.decisionRecords()) {
      records.forEach(
          r -> {
            if (r instanceof LogRecord.Decided d) {
              guardEvent(d.decision()).ifPresent(events::add);
            } else if (r instanceof LogRecord.Occurred e) {
              events.add(e.event());
            }
          });
    }
    return new Series(
        run.header().runId(),
        run.header().policy().toString(),
        c.col(0),
        c.col(1),
        c.col(2),
        c.col(3),
        c.col(4),
        c.col(5),
        c.col(6),
        events,
        summary,
        Diagnosis.of(run));
  }

  /** Growable columns step, loss, val loss, grad norm, lr, clip, wd. */
  /** The event a skip, rollback or reset decision stands for, at the step it is carried out. */
  private static Optional<Event> guardEvent(Decision d) {
    EventKind kind =
        switch (d.action) {
          case SKIP -> EventKind.SKIP;
          case ROLLBACK -> EventKind.ROLLBACK;
          case RESET -> EventKind.RESET;
          default -> null;
        };
    return kind == null
        ? Optional.empty()
        : Optional.of(new Event(kind, Math.max(0, d.step + 1), Double.NaN));
  }

  private static final class Columns {
    double[][] cols = new double[7][1024];
    int n;

    void add(Observation o) {
      if (n == cols[0].length) {
        for (int i = 0; i < cols.length; i++) {
          cols[i] = java.util.Arrays.copyOf(cols[i], 2 * n);
        }
      }
      cols[0][n] = o.step();
      cols[1][n] = o.loss();
      cols[2][n] = o.valLoss();
      cols[3][n] = o.gradNorm();
      cols[4][n] = o.lr();
      cols[5][n] = o.clip();
      cols[6][n] = o.weightDecay();
      n++;
    }

    double[] col(int i) {
      return java.util.Arrays.copyOf(cols[i], n);
    }
  }

  /** The report: the comparison plots, then per run its gradient-norm plot and inspect table. */
  static HtmlPage build(List<Series> runs, String title) {
    String t =
        title != null
            ? title
            : "Governor report: "
                + String.join(", ", runs.stream().map(Series::id).distinct().toList());
    HtmlPage rep = new HtmlPage(t);
    List<List<String>> head = new ArrayList<>();
    head.add(List.of("run", "policy", "steps", "events (skip / rollback / time-out)"));
    for (Series s : runs) {
      head.add(
          List.of(
              s.id(),
              s.policy(),
              Integer.toString(s.step().length),
              count(s, EventKind.SKIP)
                  + " / "
                  + count(s, EventKind.ROLLBACK)
                  + " / "
                  + count(s, EventKind.TIMEOUT)));
    }
    rep.table(head);

    rep.heading("Loss");
    Chart loss = Chart.of("Training loss (log scale)", "step", "loss").logY();
    for (Series s : runs) {
      line(loss, s.id(), s.step(), s.loss());
      if (anyFinite(s.valLoss())) {
        line(loss, s.id() + " val", s.step(), s.valLoss());
      }
      marks(loss, s, s.loss());
    }
    rep.chart(loss);

    rep.heading("Hyperparameters applied");
    Chart lr = Chart.of("Applied learning rate (log scale)", "step", "lr").logY();
    Chart clip = Chart.of("Applied clip threshold (log scale)", "step", "clip").logY();
    Chart wd = Chart.of("Applied weight decay", "step", "weight decay");
    for (Series s : runs) {
      line(lr, s.id(), s.step(), s.lr());
      line(clip, s.id() + (anyFinite(s.clip()) ? "" : " (no clipping)"), s.step(), s.clip());
      line(wd, s.id(), s.step(), s.wd());
    }
    rep.chart(lr);
    rep.chart(clip);
    rep.chart(wd);

    for (Series s : runs) {
      rep.heading("Run " + s.id());
      rep.text("policy " + s.policy());
      Chart g = Chart.of("Gradient norm and clip threshold: " + s.id(), "step", "norm").logY();
      line(g, "gradient norm (pre-clip)", s.step(), s.gradNorm());
      line(g, "clip threshold" + (anyFinite(s.clip()) ? "" : " (no clipping)"), s.step(), s.clip());
      marks(g, s, s.gradNorm());
      rep.chart(g);
      rep.table(InspectCommand.rows(s.summary()));
      rep.heading("Diagnosis: " + s.id());
      List<List<String>> d = new ArrayList<>();
      d.add(List.of("field", "value"));
      d.addAll(InspectCommand.diagnosisRows(s.diagnosis()));
      rep.table(d);
    }
    return rep;
  }

  private static long count(Series s, EventKind k) {
    return s.events().stream().filter(e -> e.kind() == k).count();
  }

  private static boolean anyFinite(double[] v) {
    for (double x : v) {
      if (Double.isFinite(x)) {
        return true;
      }
    }
    return false;
  }

  /** A line; the chart draws at most {@link #MAX_POINTS} of its points. */
  private static void line(Chart c, String name, double[] x, double[] y) {
    c.maxPoints(MAX_POINTS).add(dev.governor.report.Series.line(name, x, y));
  }

  /**
   * Marks each skip / rollback / time-out / reset / early stop at the step's value of {@code y}.
   */
  private static void marks(Chart c, Series s, double[] y) {
    for (EventKind k : MARKED) {
      List<double[]> pts = new ArrayList<>();
      for (Event e : s.events()) {
        if (e.kind() == k) {
          int i = java.util.Arrays.binarySearch(s.step(), (double) e.step());
          if (i >= 0 && Double.isFinite(y[i]) && y[i] > 0) {
            pts.add(new double[] {e.step(), y[i]});
          }
        }
      }
      if (pts.isEmpty()) {
        continue;
      }
      c.add(
          dev.governor.report.Series.scatter(
              s.id() + " " + k.name().toLowerCase(Locale.ROOT).replace('_', '-'),
              pts,
              k == EventKind.SKIP
                  ? dev.governor.report.Series.Marker.DIAMOND
                  : k == EventKind.ROLLBACK
                      ? dev.governor.report.Series.Marker.TRIANGLE_DOWN
                      : k == EventKind.EARLY_STOP
                          ? dev.governor.report.Series.Marker.SQUARE
                          : dev.governor.report.Series.Marker.CROSS));
    }
  }
}

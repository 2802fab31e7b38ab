package dev.governor.bench;

import dev.governor.report.Json;
import dev.governor.sim.Runner;
import dev.governor.sim.Suites;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The bench runner behind {@code bench/run [--quick] [--only a,b] [--out FILE]}: runs every
 * benchmark, prints a table of figures against their goals, and writes them as JSON. Every figure
 * is measured in this one run; ratios compare variants measured interleaved. Exit status 1 when a
 * stated goal is missed (a ratio's interval lies entirely beyond its limit), after the table and
 * the JSON are written; an unresolved interval does not fail the run. 2 = bad arguments.
 */
public final class BenchRunner {
  private BenchRunner() {}

  static final List<String> ALL =
      List.of(
          "pi",
          "append",
          "latency",
          "nqm",
          "suite",
          "loop",
          "cluster",
          "failover",
          "dashboard",
          "tfimport");

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("bench/results/latest.json");
    Set<String> only = new LinkedHashSet<>(ALL);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(need(args, ++i, "--out"));
        case "--only" -> {
          only.clear();
          for (String s : need(args, ++i, "--only").split(",")) {
            if (!ALL.contains(s.trim())) {
              fail("--only must name benchmarks among " + ALL + ", but was '" + s.trim() + "'");
            }
            only.add(s.trim());
          }
        }
        case "-h", "--help" -> {
          System.out.println(
              "bench/run [--quick] [--only "
                  + String.join(",", ALL)
                  + "] [--out FILE]\n"
                  + "Runs Governor's benchmarks, prints a table and writes FILE"
                  + " (default bench/results/latest.json).");
          return;
        }
        default -> fail("unknown option '" + args[i] + "' (try --help)");
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    List<String[]> rows = new ArrayList<>();
    long started = System.nanoTime();

    if (only.contains("pi")) {
      stage("pi: JMH PolicyBench (decide, controller update; GC profiler)");
      Map<String, double[]> r = jmh(PolicyBench.class, quick);
      double[] decide = r.get("piDecide");
      double[] update = r.get("piControllerUpdate");
      figures.put("pi_decide_ns", decide[0]);
      figures.put("pi_decide_alloc_bytes", decide[1]);
      figures.put("pi_controller_update_ns", update[0]);
      figures.put("pi_controller_update_alloc_bytes", update[1]);
      rows.add(row("pi_decide_ns", decide[0], "<= 100", decide[0] <= 100));
      rows.add(row("pi_decide_alloc_bytes", decide[1], "~0 (< 1 B/op)", decide[1] < 1));
      rows.add(row("pi_controller_update_ns", update[0], "-", null));
    }
    if (only.contains("append")) {
      stage("append: JMH TelemetryAppendBench (8-layer observation)");
      double perS = jmh(TelemetryAppendBench.class, quick).get("append")[0];
      figures.put("telemetry_append_per_s", perS);
      rows.add(row("telemetry_append_per_s", perS, ">= 2,000,000", perS >= 2_000_000));
    }
    if (only.contains("latency")) {
      stage("latency: append -> tail, one process and two (HdrHistogram)");
      int samples = quick ? 50_000 : 200_000;
      AppendToTailLatency.Result one = AppendToTailLatency.inProcess(samples / 5, samples, 20_000);
      AppendToTailLatency.Result two =
          AppendToTailLatency.crossProcess(samples / 5, samples, 20_000);
      figures.put("append_to_tail_p50_us", one.p50us());
      figures.put("append_to_tail_p99_us", one.p99us());
      figures.put("append_to_tail_p999_us", one.p999us());
      figures.put("append_to_tail_cross_process_p50_us", two.p50us());
      figures.put("append_to_tail_cross_process_p99_us", two.p99us());
      figures.put("append_to_tail_cross_process_p999_us", two.p999us());
      figures.put("append_to_tail_samples", one.samples());
      rows.add(row("append_to_tail_p50_us", one.p50us(), "-", null));
      rows.add(row("append_to_tail_p99_us", one.p99us(), "<= 5", one.p99us() <= 5));
      rows.add(row("append_to_tail_p999_us", one.p999us(), "-", null));
      rows.add(row("append_to_tail_cross_process_p99_us", two.p99us(), "-", null));
    }
    if (only.contains("nqm")) {
      stage("nqm: NQM coordinate updates per second per core (D = 100,000)");
      double cps = NqmThroughput.measure(quick ? 50 : 200, quick ? 200 : 1000, quick ? 3 : 5);
      figures.put("nqm_coord_updates_per_s", cps);
      rows.add(row("nqm_coord_updates_per_s", cps, ">= 100,000,000", cps >= 1e8));
    }
    if (only.contains("suite")) {
      stage("suite: governor simulate --suite robustness --quick");
      long t0 = System.nanoTime();
      Suites.run(
          "robustness",
          true,
          0,
          Runner.of(
              Runtime.getRuntime().availableProcessors(),
              new PrintStream(OutputStream.nullOutputStream())));
      double secs = (System.nanoTime() - t0) / 1e9;
      figures.put("robustness_quick_seconds", secs);
      rows.add(row("robustness_quick_seconds", secs, "< 180 (all quick suites)", secs < 180));
    }
    if (only.contains("loop")) {
      stage("loop: DL4J MLP, plain fit vs governed (actors, sync) vs embedded, interleaved");
      LoopOverhead.Result r = LoopOverhead.measure(quick);
      figures.put("loop_overhead_ratio", r.actor().estimate());
      figures.put("loop_overhead_ratio_ci95", List.of(r.actor().lower(), r.actor().upper()));
      figures.put("embedded_overhead_ratio", r.embedded().estimate());
      figures.put(
          "embedded_overhead_ratio_ci95", List.of(r.embedded().lower(), r.embedded().upper()));
      figures.put("embedded_overhead_cpu_ratio", r.embeddedCpu().estimate());
      figures.put(
          "embedded_overhead_cpu_ratio_ci95",
          List.of(r.embeddedCpu().lower(), r.embeddedCpu().upper()));
      figures.put("plain_fit_ms_per_step", r.plainMsPerStep());
      figures.put("actor_ms_per_step", r.actorMsPerStep());
      figures.put("embedded_ms_per_step", r.embeddedMsPerStep());
      figures.put("loop_rounds", r.rounds());
      rows.add(row("plain_fit_ms_per_step", r.plainMsPerStep(), "-", null));
      rows.add(ratioRow("loop_overhead_ratio", r.actor(), 1.01));
      rows.add(ratioRow("embedded_overhead_ratio", r.embedded(), 1.01));
      rows.add(
          new String[] {
            "embedded_overhead_cpu_ratio",
            r.embeddedCpu().toString(),
            "- (stepping thread's CPU time, same rounds)",
            ""
          });
    }
    if (only.contains("dashboard")) {
      stage(
          "dashboard: governed step watched by a dashboard + headless Chromium, page latency, 1M open");
      DashboardBench.Result r = DashboardBench.measure(quick);
      figures.put("dashboard_browser", r.browser());
      figures.put("dashboard_overhead_ratio", r.overhead().ratio().estimate());
      figures.put(
          "dashboard_overhead_ratio_ci95",
          List.of(r.overhead().ratio().lower(), r.overhead().ratio().upper()));
      figures.put("dashboard_without_ms_per_step", r.overhead().withoutMs());
      figures.put("dashboard_with_ms_per_step", r.overhead().withMs());
      figures.put("dashboard_rounds", r.overhead().ratio().rounds());
      figures.put("dashboard_watch_cpu_share", r.overhead().share());
      figures.put("dashboard_server_cpu_share", r.overhead().serverShare());
      figures.put("append_to_page_p50_ms", r.appendToPageP50Ms());
      figures.put("append_to_page_p99_ms", r.appendToPageP99Ms());
      figures.put("append_to_page_max_ms", r.appendToPageMaxMs());
      figures.put("append_to_page_samples", r.samples());
      figures.put("dashboard_page_cpu_share", r.pageCpuShare());
      figures.put("open_1m_server_ms", r.open1mServerMs());
      figures.put("open_1m_server_cpu_ms", r.open1mServerCpuMs());
      figures.put("open_1m_page_ms", r.open1mPageMs());
      rows.add(ratioRow("dashboard_overhead_ratio", r.overhead().ratio(), 1.01));
      rows.add(row("dashboard_watch_cpu_share", r.overhead().share(), "- (1.0 = one core)", null));
      rows.add(
          row(
              "dashboard_server_cpu_share",
              r.overhead().serverShare(),
              "- (of which server)",
              null));
      rows.add(
          row(
              "dashboard_page_cpu_share",
              r.pageCpuShare(),
              "- (browser, a step every 20 ms)",
              null));
      rows.add(
          row(
              "append_to_page_p99_ms",
              r.appendToPageP99Ms(),
              "<= 250",
              r.browser() ? r.appendToPageP99Ms() <= 250 : null));
      rows.add(row("open_1m_server_ms", r.open1mServerMs(), "< 1000", r.open1mServerMs() < 1000));
      rows.add(row("open_1m_server_cpu_ms", r.open1mServerCpuMs(), "-", null));
      rows.add(
          row(
              "open_1m_page_ms",
              r.open1mPageMs(),
              "< 1000",
              r.browser() ? r.open1mPageMs() < 1000 : null));
    }
    if (only.contains("tfimport")) {
      stage("tfimport: import of a 1,000,000-scalar TensorBoard event file, child JVM -Xmx64m");
      TfImportBench.Result r = TfImportBench.measure(250_000, 64);
      figures.put("tfevents_import_scalars", r.scalars());
      figures.put("tfevents_import_file_mb", r.fileBytes() / 1048576.0);
      figures.put("tfevents_import_seconds", r.seconds());
      figures.put("tfevents_import_cpu_seconds", r.cpuSeconds());
      figures.put("tfevents_import_load_average", r.loadAverage());
      figures.put("tfevents_import_peak_heap_mb", r.peakHeapMb());
      figures.put("tfevents_import_xmx_mb", r.xmxMb());
      rows.add(row("tfevents_import_seconds", r.seconds(), "< 5 (1M scalars)", r.seconds() < 5));
      rows.add(row("tfevents_import_cpu_seconds", r.cpuSeconds(), "-", null));
      rows.add(row("tfevents_import_load_average", r.loadAverage(), "-", null));
      rows.add(
          row(
              "tfevents_import_peak_heap_mb",
              r.peakHeapMb(),
              "bounded (completes in -Xmx64m)",
              true));
    }

    if (only.contains("cluster") || only.contains("failover")) {
      boolean fleet = only.contains("cluster");
      stage(
          fleet
              ? "cluster: 3 controller JVMs on loopback; fleet of 200 runs, single run vs external,"
                  + " failover"
              : "failover: 3 controller JVMs on loopback, one killed while runs are in flight");
      ClusterBench.Result r = ClusterBench.measure(quick, fleet);
      double ratio = r.singleP99us() / r.externalP99us();
      if (fleet) {
        figures.put("cluster_fleet_runs", r.fleetRuns());
        figures.put("cluster_fleet_completed", r.fleetCompleted());
        figures.put("cluster_fleet_decisions", r.fleetDecisions());
        figures.put("cluster_decisions_per_s", r.decisionsPerSecond());
        figures.put("cluster_fleet_latency_p50_us", r.fleetP50us());
        figures.put("cluster_fleet_latency_p99_us", r.fleetP99us());
        figures.put("cluster_single_latency_p50_us", r.singleP50us());
        figures.put("cluster_single_latency_p99_us", r.singleP99us());
        figures.put("external_single_latency_p50_us", r.externalP50us());
        figures.put("external_single_latency_p99_us", r.externalP99us());
        figures.put("cluster_vs_external_p99_ratio", ratio);
      }
      figures.put("cluster_failover_s", r.failoverSeconds());
      figures.put("cluster_failure_detection_s", r.failureDetectionSeconds());
      figures.put("cluster_killed_unreachable_after_s", r.unreachableAfterSeconds());
      figures.put("cluster_killed_removed_after_s", r.removedAfterSeconds());
      figures.put("cluster_failover_completed", r.failoverCompleted());
      figures.put("cluster_removal_margin_s", r.removalMarginSeconds());
      figures.put("cluster_failure_detection_observed_s", r.observedDetectionSeconds());
      if (fleet) {
        rows.add(
            row(
                "cluster_fleet_runs_completed",
                r.fleetCompleted() ? r.fleetRuns() : 0,
                "200 concurrent, all complete",
                r.fleetCompleted()));
        rows.add(row("cluster_decisions_per_s", r.decisionsPerSecond(), "-", null));
        rows.add(row("cluster_fleet_latency_p50_us", r.fleetP50us(), "-", null));
        rows.add(row("cluster_fleet_latency_p99_us", r.fleetP99us(), "-", null));
        rows.add(row("cluster_single_latency_p99_us", r.singleP99us(), "-", null));
        rows.add(row("external_single_latency_p99_us", r.externalP99us(), "-", null));
        rows.add(row("cluster_vs_external_p99_ratio", ratio, "<= 5", ratio <= 5));
      }
      rows.add(row("cluster_killed_unreachable_after_s", r.unreachableAfterSeconds(), "-", null));
      rows.add(row("cluster_killed_removed_after_s", r.removedAfterSeconds(), "-", null));
      rows.add(
          row(
              "cluster_failure_detection_observed_s",
              r.observedDetectionSeconds(),
              "removed + margin (nominal " + r.failureDetectionSeconds() + ")",
              null));
      // the goal is relative to the failure-detection time: as the cluster took it (the kill until
      // the node was removed, plus the removal margin), and for reference as configured
      double bound = r.observedDetectionSeconds() + 1;
      rows.add(
          row(
              "cluster_failover_s",
              r.failoverSeconds(),
              String.format(Locale.ROOT, "<= observed detection + 1 s = %.2f", bound),
              r.failoverCompleted() && r.failoverSeconds() <= bound));
      rows.add(
          row(
              "cluster_failover_after_detection_s",
              r.failoverSeconds() - r.observedDetectionSeconds(),
              "<= 1",
              r.failoverCompleted() && r.failoverSeconds() - r.observedDetectionSeconds() <= 1));
      double nominalBound = r.failureDetectionSeconds() + 1;
      rows.add(
          row(
              "cluster_failover_vs_nominal_s",
              r.failoverSeconds(),
              String.format(Locale.ROOT, "nominal detection + 1 s = %.2f", nominalBound),
              null));
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("quick", quick);
    doc.put("measured_at", Instant.now().toString());
    doc.put("machine", machine());
    doc.put("seconds", (System.nanoTime() - started) / 1e9);
    doc.putAll(figures);
    Json.write(out, doc);
    printTable(rows);
    System.out.println("wrote " + out);
    List<String> missed = new ArrayList<>();
    for (String[] r : rows) {
      if (r[3].equals("MISSED")) {
        missed.add(r[0] + " " + r[1] + " (goal " + r[2] + ")");
      }
    }
    if (!missed.isEmpty()) {
      // a stated goal that is missed fails the run; an unresolved interval does not
      System.err.println(
          "bench: " + missed.size() + " goal(s) missed: " + String.join("; ", missed));
      System.exit(1);
    }
  }

  private static String need(String[] args, int i, String flag) {
    if (i >= args.length) {
      fail(flag + " needs a value");
    }
    return args[i];
  }

  private static void fail(String message) {
    System.err.println("bench: " + message);
    System.exit(2);
  }

  private static void stage(String what) {
    System.err.println("bench: " + what + " ...");
  }

  /**
   * Runs every benchmark method of {@code cls}; per method name, {score, gc.alloc.rate.norm} (the
   * allocation is NaN when the GC profiler gave none).
   */
  static Map<String, double[]> jmh(Class<?> cls, boolean quick) throws Exception {
    ChainedOptionsBuilder ob =
        new OptionsBuilder()
            .include(cls.getName() + "\\.")
            .forks(1)
            .warmupIterations(quick ? 2 : 5)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(quick ? 3 : 8)
            .measurementTime(TimeValue.seconds(1))
            .addProfiler(GCProfiler.class)
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT)
            .jvmArgsAppend(jvmFlags());
    Collection<RunResult> results = new org.openjdk.jmh.runner.Runner(ob.build()).run();
    Map<String, double[]> out = new LinkedHashMap<>();
    for (RunResult rr : results) {
      String label = rr.getPrimaryResult().getLabel();
      double alloc = Double.NaN;
      for (Map.Entry<String, Result> e : rr.getSecondaryResults().entrySet()) {
        if (e.getKey().endsWith("gc.alloc.rate.norm")) {
          alloc = e.getValue().getScore();
        }
      }
      out.put(label, new double[] {rr.getPrimaryResult().getScore(), alloc});
    }
    return out;
  }

  /** The Chronicle flags (and heap) of this JVM, for forked benchmark JVMs. */
  static String[] jvmFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-Xmx"))
        .toArray(String[]::new);
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (IOException e) {
      m.put("cpu", "unknown");
    }
    return m;
  }

  /**
   * A ratio with its 95 % interval over paired rounds: met only when the interval's upper bound is
   * within the limit, missed when its lower bound is above it, else unresolved.
   */
  private static String[] ratioRow(String name, PairedRatio r, double limit) {
    return new String[] {
      name, r.toString(), "<= " + limit + " (95% CI upper bound)", r.judge(limit),
    };
  }

  private static String[] row(String name, double value, String goal, Boolean met) {
    return new String[] {name, format(value), goal, met == null ? "" : met ? "met" : "MISSED"};
  }

  static String format(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Math.abs(v) >= 1e5) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static void printTable(List<String[]> rows) {
    String[] head = {"figure", "value", "goal", ""};
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      w[i] = head[i].length();
      for (String[] r : rows) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    String fmt = "%-" + w[0] + "s  %" + w[1] + "s  %-" + w[2] + "s  %s%n";
    System.out.printf(Locale.ROOT, fmt, (Object[]) head);
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, fmt, (Object[]) r);
    }
  }
}

package dev.governor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.dashboard.Chromium;
import dev.governor.dashboard.DashboardServer;
import dev.governor.sim.Stats;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.trainers.LabeledData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * What watching costs and how fast the page follows, with a real headless Chromium on the page:
 *
 * <ul>
 *   <li><b>overhead</b>: the governed DL4J step of {@link LoopOverhead} (MLP, actors, sync, pi)
 *       without and with a dashboard server plus a browser showing the run, interleaved rounds; the
 *       ratio is the median of the per-round ratios with/without.
 *   <li><b>append to page</b>: an observation appended every 20 ms to a watched run; per step, from
 *       the wall time just before its append to the wall time of the first page render that drew it
 *       ({@code governorDashboard.renderLog}, {@code performance.timeOrigin + now()}); both clocks
 *       are this machine's real-time clock. The browser's CPU time (all its processes, {@code
 *       /proc}) over the appends from the 50th on, per wall second, is the page's steady cost.
 *   <li><b>1M-step open</b>: a run of 1,000,000 observations and decisions opened cold: the
 *       server's {@code /api/run} answer (read, downsample, JSON), and a fresh page from navigation
 *       to its first render with the run drawn.
 * </ul>
 *
 * Without Chromium the browser figures are NaN and the overhead round runs the server only.
 */
final class DashboardBench {
  private DashboardBench() {}

  record Result(
      boolean browser,
      Overhead overhead,
      double appendToPageP50Ms,
      double appendToPageP99Ms,
      double appendToPageMaxMs,
      int samples,
      double pageCpuShare,
      double open1mServerMs,
      double open1mServerCpuMs,
      double open1mPageMs) {}

  static Result measure(boolean quick) throws Exception {
    Optional<Path> exe = Chromium.find();
    if (exe.isEmpty()) {
      System.err.println("bench: no chromium: the dashboard figures with a browser are n/a");
    }
    Path tmp = Files.createTempDirectory("governor-bench-dashboard");
    try {
      Overhead o = overhead(exe, tmp.resolve("overhead"), quick);
      double[] lat =
          exe.isPresent()
              ? appendToPage(exe.get(), tmp.resolve("latency"), quick ? 300 : 1000)
              : new double[] {Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN};
      double[] open = open1m(exe, tmp.resolve("big"));
      return new Result(
          exe.isPresent(),
          o,
          lat[0],
          lat[1],
          lat[2],
          (int) lat[3],
          lat[4],
          open[0],
          open[2],
          open[1]);
    } finally {
      Files2.deleteTree(tmp);
    }
  }

  /** The paired ratio with/without, the medians of both, and the CPU shares of watching. */
  record Overhead(
      PairedRatio ratio, double withoutMs, double withMs, double share, double serverShare) {}

  /**
   * Interleaved paired rounds (the order alternates), at least 3 (quick) or 7, at most 6 or 30,
   * until the ratio's 95 % interval is narrower than {@link LoopOverhead#MARGIN}.
   */
  private static Overhead overhead(Optional<Path> exe, Path dir, boolean quick) throws Exception {
    LabeledData train = LoopOverhead.data();
    int batch = 128;
    int warm = quick ? 30 : 60;
    int m = quick ? 120 : 300;
    int minRounds = quick ? 3 : 7;
    int maxRounds = quick ? 6 : 30;
    Path plain = Files.createDirectories(dir.resolve("without"));
    Path watched = Files.createDirectories(dir.resolve("with"));
    // One browser for every watched round, as a user's browser is running before a run starts; its
    // start-up (processes, GPU emulation) is not watching. Each round opens the page afresh.
    try (Chromium c = exe.isPresent() ? Chromium.launch(exe.get(), 1400, 1800) : null) {
      return overhead(c, train, batch, warm, m, minRounds, maxRounds, plain, watched);
    }
  }

  private static Overhead overhead(
      Chromium c,
      LabeledData train,
      int batch,
      int warm,
      int m,
      int minRounds,
      int maxRounds,
      Path plain,
      Path watched)
      throws Exception {
    double[] without = new double[maxRounds];
    double[] with = new double[maxRounds];
    // one throw-away round of each first: JIT, DL4J workspaces and Chromium's disk cache warm up
    LoopOverhead.actorRound(train, batch, warm, m, 0, plain, runDir -> {});
    watchedRound(c, train, batch, warm, m, 0, watched);
    watchShare.clear();
    serverShare.clear();
    int n = 0;
    while (n < maxRounds) {
      if (n % 2 == 0) {
        without[n] = LoopOverhead.actorRound(train, batch, warm, m, n + 1, plain, runDir -> {});
        with[n] = watchedRound(c, train, batch, warm, m, n + 1, watched);
      } else {
        with[n] = watchedRound(c, train, batch, warm, m, n + 1, watched);
        without[n] = LoopOverhead.actorRound(train, batch, warm, m, n + 1, plain, runDir -> {});
      }
      n++;
      if (n >= minRounds && PairedRatio.of(without, with, n).width() < LoopOverhead.MARGIN) {
        break;
      }
    }
    double[] share = watchShare.stream().mapToDouble(Double::doubleValue).toArray();
    double[] server = serverShare.stream().mapToDouble(Double::doubleValue).toArray();
    return new Overhead(
        PairedRatio.of(without, with, n),
        Stats.median(Arrays.copyOf(without, n)),
        Stats.median(Arrays.copyOf(with, n)),
        Stats.median(share),
        Stats.median(server));
  }

  private static double watchedRound(
      Chromium c, LabeledData train, int batch, int warm, int m, int round, Path parent)
      throws Exception {
    try (DashboardServer server =
        DashboardServer.start(DashboardServer.Config.of(parent).withPort(0))) {
      try {
        String id = "run-" + round;
        double[] cpu0 = new double[2];
        long[] wall0 = new long[1];
        double ms =
            LoopOverhead.actorRound(
                train,
                batch,
                warm,
                m,
                round,
                parent,
                runDir -> {
                  if (c != null) {
                    c.navigate(server.url() + "#run=" + id);
                    if (!c.waitFor(
                        "!!document.querySelector('.runhead[data-run=\"" + id + "\"]')",
                        Duration.ofSeconds(20))) {
                      throw new IllegalStateException("the page did not show " + id);
                    }
                    cpu0[1] = c.cpuMillis();
                  }
                  cpu0[0] = dashboardThreadsCpuMs();
                  wall0[0] = System.nanoTime();
                });
        double wallMs = (System.nanoTime() - wall0[0]) / 1e6;
        double watchCpu =
            dashboardThreadsCpuMs() - cpu0[0] + (c != null ? c.cpuMillis() - cpu0[1] : 0);
        watchShare.add(watchCpu / wallMs);
        serverShare.add((dashboardThreadsCpuMs() - cpu0[0]) / wallMs);
        if (c != null
            && !c.waitFor(
                "(() => { const r = governorDashboard.runs['"
                    + id
                    + "']; return !!r && r.head.lastStep >= "
                    + (warm + m - 1)
                    + "; })()",
                Duration.ofSeconds(20))) {
          throw new IllegalStateException("the page did not follow " + id + " to its end");
        }
        return ms;
      } finally {
        if (c != null) {
          c.navigate("about:blank");
        }
      }
    }
  }

  /** CPU of the watched rounds' dashboard threads + browser over their wall time, per round. */
  private static final java.util.List<Double> watchShare = new java.util.ArrayList<>();

  /** The dashboard threads' part of {@link #watchShare}. */
  private static final java.util.List<Double> serverShare = new java.util.ArrayList<>();

  /** CPU time of this JVM's live dashboard threads (server, tailer, scanner, handlers), in ms. */
  private static double dashboardThreadsCpuMs() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long ns = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("dashboard-")) {
        long v = mx.getThreadCpuTime(t.getId());
        ns += Math.max(0, v);
      }
    }
    return ns / 1e6;
  }

  private static RunFolder folder(Path dir) {
    return RunFolder.create(
        dir, RunHeader.of(dir.getFileName().toString(), PolicySpec.parse("pi"), Map.of(), 1L));
  }

  private static Observation obs(long t) {
    double loss = 2.0 / (1 + 1e-4 * t) + 0.1 * Math.sin(0.37 * t);
    return Observation.builder(t)
        .loss(loss)
        .gradNorm(1 + 0.5 * Math.cos(0.11 * t))
        .paramNorm(10)
        .updateNorm(1e-3)
        .batchSize(32)
        .lr(0.1 / (1 + 1e-5 * t))
        .clip(2)
        .weightDecay(1e-4)
        .build();
  }

  /** CPU time of this process (every thread: readers, JIT, GC), in nanoseconds. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double wallMs() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1000.0 + i.getNano() / 1e6;
  }

  private static double[] appendToPage(Path exe, Path dir, int samples) throws Exception {
    Files.createDirectories(dir);
    RunFolder f = folder(dir.resolve("lat"));
    double[] appended = new double[samples + 1];
    try (TelemetryLog tl = f.openTelemetry();
        TelemetryLog.Appender a = tl.appender();
        DashboardServer server = DashboardServer.start(DashboardServer.Config.of(dir).withPort(0));
        Chromium c = Chromium.launch(exe, 1400, 1800)) {
      a.append(obs(0));
      c.navigate(server.url() + "#run=lat");
      if (!c.waitFor(
          "(() => { const r = governorDashboard.runs.lat; return !!r && r.head.lastStep === 0;"
              + " })()",
          Duration.ofSeconds(20))) {
        throw new IllegalStateException("the page did not show the run");
      }
      // the browser's CPU from the 50th append on (the page has settled) to the last
      double cpu0 = Double.NaN;
      long wall0 = 0;
      long next = System.nanoTime();
      for (int s = 1; s <= samples; s++) {
        if (s == 50) {
          cpu0 = c.cpuMillis();
          wall0 = System.nanoTime();
        }
        next += 20_000_000L;
        while (System.nanoTime() < next) {
          Thread.sleep(1);
        }
        appended[s] = wallMs();
        a.append(obs(s));
      }
      double pageShare = (c.cpuMillis() - cpu0) / ((System.nanoTime() - wall0) / 1e6);
      c.waitFor("governorDashboard.runs.lat.drawnStep === " + samples, Duration.ofSeconds(10));
      JsonNode log =
          c.evaluate(
              "governorDashboard.renderLog.filter(e => e[0] === 'lat').map(e => [e[1], e[2]])");
      double[] lat = new double[samples];
      int n = 0;
      int j = 0;
      for (int s = 1; s <= samples; s++) {
        while (j < log.size() && log.get(j).get(0).asLong() < s) {
          j++;
        }
        if (j < log.size()) {
          lat[n++] = log.get(j).get(1).asDouble() - appended[s];
        }
      }
      double[] v = Arrays.copyOf(lat, n);
      Arrays.sort(v);
      if (n == 0) {
        return new double[] {Double.NaN, Double.NaN, Double.NaN, 0, pageShare};
      }
      return new double[] {
        v[(int) Math.floor(0.5 * (n - 1))],
        v[(int) Math.ceil(0.99 * (n - 1))],
        v[n - 1],
        n,
        pageShare
      };
    }
  }

  private static double[] open1m(Optional<Path> exe, Path dir) throws Exception {
    Files.createDirectories(dir);
    RunFolder f = folder(dir.resolve("big"));
    int n = 1_000_000;
    Decision d = new Decision();
    try (TelemetryLog tl = f.openTelemetry();
        TelemetryLog.Appender a = tl.appender();
        DecisionLog dl = f.openDecisions();
        DecisionLog.Appender da = dl.appender()) {
      for (int t = 0; t < n; t++) {
        Observation o = obs(t);
        a.append(o);
        d.step = t;
        d.lr = o.lr();
        d.clip = 2;
        d.weightDecay = 1e-4;
        d.lrMeasurement = -0.5 + 0.1 * Math.sin(0.01 * t);
        d.lrError = 0.1;
        da.append(d);
      }
    }
    double serverMs;
    double serverCpuMs;
    try (DashboardServer server =
        DashboardServer.start(DashboardServer.Config.of(dir).withPort(0))) {
      HttpClient http = HttpClient.newHttpClient();
      long c0 = cpuNanos();
      long t0 = System.nanoTime();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "api/run?id=big&points=1000"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      serverMs = (System.nanoTime() - t0) / 1e6;
      serverCpuMs = (cpuNanos() - c0) / 1e6;
      if (r.statusCode() != 200 || !r.body().contains("\"steps\":" + n)) {
        throw new IllegalStateException("the 1M-step run did not open: " + r.statusCode());
      }
    }
    double pageMs = Double.NaN;
    if (exe.isPresent()) {
      try (DashboardServer server =
              DashboardServer.start(DashboardServer.Config.of(dir).withPort(0));
          Chromium c = Chromium.launch(exe.get(), 1400, 1800)) {
        // load the page (and its scripts) first, then time selecting the run
        c.navigate(server.url());
        c.waitFor(
            "!!window.governorDashboard && !!governorDashboard.listing", Duration.ofSeconds(20));
        double t0 = wallMs();
        c.evaluate("document.querySelector('#runs label[data-run=\"big\"] input').click()");
        if (!c.waitFor(
            "governorDashboard.renderLog.some(e => e[0] === 'big' && e[1] === " + (n - 1) + ")",
            Duration.ofSeconds(60))) {
          throw new IllegalStateException("the page did not draw the 1M-step run");
        }
        JsonNode first =
            c.evaluate(
                "governorDashboard.renderLog.find(e => e[0] === 'big' && e[1] === "
                    + (n - 1)
                    + ")[2]");
        pageMs = first.asDouble() - t0;
      }
    }
    return new double[] {serverMs, pageMs, serverCpuMs};
  }
}

package dev.governor.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.testkit.RunBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page in headless Chromium over two finished runs written by the test: both overlay on the LR
 * chart in their own colours, the TIMEOUT of one is marked, and a decided LR of 1e-300 (what a
 * cosine schedule decides at its end) neither hangs the page nor hides the other run. Skipped, with
 * the reason printed, without Chromium.
 */
class PageBrowserTest {
  @TempDir Path tmp;

  private static void run(Path dir, double base, double lastLr, boolean timeout) {
    RunFolder f = RunBuilder.at(dir).policy("pi").seed(1).create();
    int n = 400;
    Decision d = new Decision();
    try (TelemetryLog tl = f.openTelemetry();
        TelemetryLog.Appender a = tl.appender();
        DecisionLog dl = f.openDecisions();
        DecisionLog.Appender da = dl.appender()) {
      for (int t = 0; t < n; t++) {
        double lr = t == n - 1 ? lastLr : base * Math.pow(0.995, t);
        a.append(
            Observation.builder(t)
                .loss(2.0 / (1 + 0.02 * t))
                .gradNorm(1)
                .paramNorm(10)
                .updateNorm(lr)
                .lr(lr)
                .clip(2)
                .weightDecay(0)
                .build());
        d.step = t;
        d.lr = lr;
        d.clip = 2;
        d.weightDecay = 0;
        da.append(d);
      }
      if (timeout) {
        a.appendEvent(EventKind.TIMEOUT, 200, 50);
      }
    }
  }

  private static String pixelsNear(String key, int r, int g, int b) {
    return "(() => { const c = document.querySelector('[data-chart=\""
        + key
        + "\"] canvas'); if (!c) return 0;"
        + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        + " for (let i = 0; i < d.length; i += 4) {"
        + " if (Math.abs(d[i] - "
        + r
        + ") < 40 && Math.abs(d[i + 1] - "
        + g
        + ") < 40 && Math.abs(d[i + 2] - "
        + b
        + ") < 40 && d[i + 3] > 200) n++; }"
        + " return n; })()";
  }

  @Test
  void twoRunsOverlayATimeoutIsMarkedAndATinyLrDoesNotHangThePage() throws Exception {
    Optional<Path> exe = Chromium.find();
    if (exe.isEmpty()) {
      String why = "no chromium on the PATH (nor GOVERNOR_CHROMIUM): the page test is skipped";
      System.out.println("PageBrowserTest: " + why);
      Assumptions.abort(why);
    }
    Path runs = tmp.resolve("runs");
    run(runs.resolve("a"), 0.1, 0.01, true);
    run(runs.resolve("b"), 1e-4, 1e-300, false); // b lies 3 decades below a
    try (DashboardServer s = DashboardServer.start(DashboardServer.Config.of(runs).withPort(0));
        Chromium c = Chromium.launch(exe.get(), 1400, 1000)) {
      c.navigate(s.url() + "#run=a&run=b");
      assertTrue(
          c.waitFor(
              "!!governorDashboard.charts.lr && governorDashboard.charts.lr.series.length === 5",
              Duration.ofSeconds(20)),
          "the LR chart has both runs' applied and decided series");
      assertEquals(
          "a · applied|a · decided|b · applied|b · decided",
          c.evaluate("governorDashboard.charts.lr.series.slice(1).map(x => x.label).join('|')")
              .asText());
      // run colours (app.js RUN_COLORS): a #1e88e5, b #e53935; TIMEOUT marker #ef6c00
      assertTrue(
          c.waitFor(pixelsNear("lr", 0x1e, 0x88, 0xe5) + " > 100", Duration.ofSeconds(10)),
          "run a is drawn");
      assertTrue(
          c.waitFor(pixelsNear("lr", 0xe5, 0x39, 0x35) + " > 100", Duration.ofSeconds(10)),
          "run b is drawn");
      assertTrue(
          c.waitFor(pixelsNear("loss", 0xef, 0x6c, 0x00) + " > 20", Duration.ofSeconds(10)),
          "the TIMEOUT is marked");
      assertTrue(
          c.evaluate(
                  "!!document.querySelector('#details [data-run=\"a\"] tr.event[data-kind=\"TIMEOUT\"]"
                      + "[data-step=\"200\"]')")
              .asBoolean(),
          "the TIMEOUT is listed");
      c.screenshot(Path.of("target", "dashboard-page.png"));
      // the LR axis spans at most 12 decades below its maximum 0.1
      double min = c.evaluate("governorDashboard.charts.lr.scales.y.min").asDouble();
      assertTrue(min >= 1e-14 && min <= 1e-12, "LR axis minimum " + min);
    }
  }
}

package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.governor.dashboard.Chromium;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The dashboard in a real browser: {@code governor train --plant nqm --disturbance spikes} runs in
 * a child JVM, {@code governor dashboard} serves its folder, and a headless Chromium (driven over
 * the DevTools protocol) opens the page while the run goes on. Skipped, with the reason printed,
 * when no Chromium is installed ({@code .ci/run} installs Debian's {@code chromium}). The
 * screenshot is kept as {@code target/dashboard-browser.png}.
 */
class DashboardBrowserTest {
  @TempDir Path tmp;

  private static Process train(Path out, Path log) throws IOException {
    // long enough to still be going when the checks end (about 6,000 steps/s here); spikes every
    // 1,000 steps from step 1,000 make the pi guard roll back
    List<String> cmd =
        List.of(
            "train",
            "--plant",
            "nqm",
            "--policy",
            "pi",
            "--steps",
            "2000000",
            "--disturbance",
            "spikes",
            "--disturbance-at",
            "1000",
            "--disturbance-length",
            "1000",
            "--seed",
            "1",
            "--quiet",
            "--out",
            out.toString());
    ProcessBuilder pb = TestRuns.childJvm(cmd, "-Xmx1g");
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.redirectOutput(log.toFile()).start();
  }

  /** Pixels of the canvas of chart {@code key} within 40 (per channel) of {@code rgb}. */
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

  /** What the page holds, for a failure message: runs, row counts, charts, errors. */
  private static String pageState(Chromium c) {
    try {
      return c.evaluate(
              "JSON.stringify((() => { const s = governorDashboard; return { selected: s.selected,"
                  + " runs: Object.fromEntries(Object.entries(s.runs).map(([k, r]) => [k,"
                  + " { status: r.head.status, lastStep: r.head.lastStep, tele: r.tele[0].length,"
                  + " dec: r.dec[0].length }])), charts: Object.fromEntries(Object.entries(s.charts)"
                  + ".map(([k, u]) => [k, u.data.map(d => d.filter(v => v != null).length)])),"
                  + " chartSig: s.chartSig, dirty: s.dirty, chartsDirty: s.chartsDirty,"
                  + " errors: s.errors }; })())")
          .asText();
    } catch (Exception e) {
      return "(not readable: " + e + ")";
    }
  }

  private static long shownStep(Chromium c) throws Exception {
    String t =
        c.evaluate("document.querySelector('.runhead[data-run=\"live\"] .step').textContent")
            .asText();
    Matcher m = Pattern.compile("step (\\d+)").matcher(t);
    assertTrue(m.matches(), "the run's header shows its step: '" + t + "'");
    return Long.parseLong(m.group(1));
  }

  @Test
  void aLiveTrainRunIsListedDrawnAdvancingAndItsGuardEventsMarked() throws Exception {
    Optional<Path> exe = Chromium.find();
    if (exe.isEmpty()) {
      String why =
          "no chromium on the PATH (nor GOVERNOR_CHROMIUM): the browser test is skipped; .ci/run"
              + " installs Debian's chromium";
      System.out.println("DashboardBrowserTest: " + why);
      Assumptions.abort(why);
    }
    Path runs = tmp.resolve("runs");
    Process trainer = train(runs.resolve("live"), tmp.resolve("train.log"));
    CommandLine cl = Main.commandLine();
    DashboardCommand dash = cl.getSubcommands().get("dashboard").getCommand();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    int[] exit = {-1};
    Thread server =
        new Thread(
            () -> exit[0] = cl.execute("dashboard", "--runs", runs.toString(), "--port", "0"),
            "dashboard-command");
    try {
      server.start();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Matcher url = null;
      while (System.nanoTime() < end) {
        url =
            Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/) \\(this machine only")
                .matcher(out.toString());
        if (url.find()) {
          break;
        }
        url = null;
        Thread.sleep(50);
      }
      assertTrue(url != null, "the command printed its address: " + out);
      while (!Files.exists(runs.resolve("live/run.json")) && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      try (Chromium c = Chromium.launch(exe.get(), 1400, 1800)) {
        c.navigate(url.group(1));
        assertTrue(
            c.waitFor(
                "!!document.querySelector('#runs label[data-run=\"live\"]')",
                Duration.ofSeconds(20)),
            "the run is listed");
        c.evaluate("document.querySelector('#runs label[data-run=\"live\"] input').click()");
        boolean lrDrawn =
            c.waitFor(
                "(() => { const u = governorDashboard.charts.lr;"
                    + " return !!u && u.data[1].filter(v => v != null).length > 10; })()",
                Duration.ofSeconds(20));
        assertTrue(lrDrawn, () -> "the LR chart holds the applied LR; page state: " + pageState(c));
        // drawn: the LR chart's canvas holds pixels of the run's colour (#1e88e5)
        assertTrue(
            c.waitFor(pixelsNear("lr", 0x1e, 0x88, 0xe5) + " > 100", Duration.ofSeconds(10)),
            "the LR series is drawn");
        long first = shownStep(c);
        Thread.sleep(1500);
        long second = shownStep(c);
        assertTrue(second > first, "the step shown increases: " + first + " then " + second);
        // the guard's answer to the spikes: a ROLLBACK (or SKIP) listed and marked on the axis
        assertTrue(
            c.waitFor(
                "!!document.querySelector('#details tr.event[data-kind=\"ROLLBACK\"],"
                    + " #details tr.event[data-kind=\"SKIP\"]')",
                Duration.ofSeconds(30)),
            "a guard event is listed");
        JsonNode kind =
            c.evaluate(
                "document.querySelector('#details tr.event[data-kind=\"ROLLBACK\"],"
                    + " #details tr.event[data-kind=\"SKIP\"]').dataset.kind");
        boolean rollback = kind.asText().equals("ROLLBACK");
        // marker colours: ROLLBACK #6a1b9a, SKIP #ff0000 (app.js MARK_COLORS)
        String marks =
            rollback ? pixelsNear("loss", 0x6a, 0x1b, 0x9a) : pixelsNear("loss", 0xff, 0, 0);
        assertTrue(
            c.waitFor(marks + " > 20", Duration.ofSeconds(10)),
            kind.asText() + " is marked on the loss chart");
        Path png = Path.of("target", "dashboard-browser.png");
        c.screenshot(png);
        assertTrue(Files.size(png) > 10_000, "screenshot " + png.toAbsolutePath());
        assertTrue(trainer.isAlive(), "the run was still going during the checks");
        JsonNode notes = c.evaluate("document.querySelector('#selected').innerText");
        assertTrue(!notes.asText().contains(": "), "no message about the run: " + notes);
      }
    } finally {
      trainer.destroy();
      if (!trainer.waitFor(10, TimeUnit.SECONDS)) {
        trainer.destroyForcibly();
      }
      dash.stop.countDown();
      server.join(10_000);
    }
    assertEquals(0, exit[0], out.toString());
  }
}

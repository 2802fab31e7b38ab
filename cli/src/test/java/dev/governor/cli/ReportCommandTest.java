package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.cli.TestRuns.Result;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.testkit.RunBuilder;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  @TempDir Path tmp;

  /** A 60-step run written with the telemetry API, with one skip and one rollback event. */
  private static Path makeRun(Path dir, String id, String policy) {
    RunFolder run = RunBuilder.at(dir).id(id).policy(policy).seed(3).create();
    Policy p = Policies.create(policy);
    Hyperparameters h = p.initial();
    Decision d = new Decision();
    try (TelemetryLog tl = run.openTelemetry();
        DecisionLog dl = run.openDecisions();
        TelemetryLog.Appender ta = tl.appender();
        DecisionLog.Appender da = dl.appender()) {
      for (int s = 0; s < 60; s++) {
        Observation o = TestRuns.plant(s, h);
        ta.append(o);
        if (s == 45) {
          ta.appendEvent(EventKind.SKIP, s, o.loss());
        }
        if (s == 50) {
          da.appendEvent(EventKind.ROLLBACK, s, 40);
        }
        p.decide(o, d);
        da.append(d);
        h = d.hyperparameters();
      }
    }
    return dir;
  }

  private static int images(String html) {
    Matcher m = Pattern.compile("<img ").matcher(html);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static void oneLineExit2(Result r, String fragment) {
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(fragment), r.err());
  }

  @Test
  void oneRunReportHasOnePlotPerFigureAndTheRunId() throws Exception {
    Path run = makeRun(tmp.resolve("r1"), "report-run-1", "cosine(lr=0.1, t-max=60, clip=5)");
    Result r = TestRuns.run("report", "--run", run.toString());
    assertEquals(0, r.code(), r.err());
    Path html = run.resolve("report.html");
    assertTrue(Files.isRegularFile(html));
    String text = Files.readString(html);
    // loss, lr, clip, wd + the run's gradient-norm plot
    assertEquals(5, images(text), "one <img> per plot");
    assertTrue(text.contains("data:image/png;base64,"));
    assertTrue(text.contains("report-run-1"));
    for (String alt :
        List.of(
            "Training loss (log scale)",
            "Applied learning rate (log scale)",
            "Applied clip threshold (log scale)",
            "Applied weight decay",
            "Gradient norm and clip threshold: report-run-1")) {
      assertTrue(text.contains("alt=\"" + alt + "\""), alt);
    }
    // events column: 1 skip / 1 rollback / 0 time-outs; the inspect table is there
    assertTrue(text.contains("<td>1 / 1 / 0</td>"), "event counts");
    assertTrue(text.contains("<td>loss first / last / min</td>"), "inspect table");
    // the diagnosis from the telemetry, as inspect prints it (the verdicts: DiagnosisTest)
    assertTrue(text.contains("Diagnosis: report-run-1"), "diagnosis section");
    assertTrue(text.contains("<td>diagnosis</td>"), "diagnosis rows");
    assertTrue(r.out().contains("wrote " + html), r.out());
  }

  @Test
  void severalRunsInOneReport() throws Exception {
    Path a = makeRun(tmp.resolve("a"), "run-a", "cosine(lr=0.1, t-max=60)");
    Path b = makeRun(tmp.resolve("b"), "run-b", "pi");
    Result r = TestRuns.run("report", "--run", a.toString(), "--run", b.toString());
    assertEquals(2, r.code(), "--out is required with several runs");
    Path out = tmp.resolve("both.html");
    r =
        TestRuns.run(
            "report", "--run", a.toString(), "--run", b.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    String text = Files.readString(out);
    assertEquals(6, images(text)); // 4 shared + one gradient-norm plot per run
    assertTrue(text.contains("run-a") && text.contains("run-b"));
  }

  @Test
  void existingFileIsReplacedOnlyWithForceAndSaysSo() throws Exception {
    Path run = makeRun(tmp.resolve("r"), "run-x", "constant(lr=0.05)");
    Path html = run.resolve("report.html");
    Files.writeString(html, "keep me");
    Result r = TestRuns.run("report", "--run", run.toString());
    oneLineExit2(r, "already exists; use --force");
    assertEquals("keep me", Files.readString(html), "nothing overwritten");
    r = TestRuns.run("report", "--run", run.toString(), "--force");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("replaced " + html), r.out());
    assertTrue(Files.readString(html).contains("run-x"));
  }

  @Test
  void badRunFoldersAreOneLineExit2() throws Exception {
    Path out = tmp.resolve("o.html");
    oneLineExit2(
        TestRuns.run("report", "--run", tmp.resolve("missing").toString(), "--out", out.toString()),
        "missing");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    oneLineExit2(
        TestRuns.run("report", "--run", empty.toString(), "--out", out.toString()),
        "not a run folder");
    // damage: overwrite the first observation record's tag ("GV", kind 1, any schema version;
    // little endian VV 01 56 47) of the telemetry queue
    Path run = makeRun(tmp.resolve("dmg"), "run-d", "constant");
    Path cq4;
    try (Stream<Path> s = Files.list(run.resolve("telemetry"))) {
      cq4 = s.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
    }
    byte[] all = Files.readAllBytes(cq4);
    long at = -1;
    for (int i = 0; i + 4 <= all.length; i += 4) {
      if (all[i] > 0 && all[i + 1] == 1 && all[i + 2] == 0x56 && all[i + 3] == 0x47) {
        at = i;
        break;
      }
    }
    assertTrue(at >= 0, "record tag found");
    try (RandomAccessFile raf = new RandomAccessFile(cq4.toFile(), "rw")) {
      raf.seek(at);
      raf.write(new byte[] {9, 9, 9, 9});
    }
    Result r = TestRuns.run("report", "--run", run.toString(), "--out", out.toString());
    oneLineExit2(r, cq4.getFileName().toString());
    assertFalse(Files.exists(out), "no partial report");
  }
}

package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.testkit.RunContents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands under a full disk, over the user's own files, on a run stopped before its queues
 * existed and on a run that has ended: one line, a documented exit code, nothing already written
 * lost.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RobustnessTest {
  @TempDir Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String[] train(Path out, String... more) {
    String[] base = {
      "train",
      "--plant",
      "nqm",
      "--dim",
      "20",
      "--steps",
      "600",
      "--seed",
      "3",
      "--quiet",
      "--out",
      out.toString()
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  private static JsonNode summary(Path run) throws Exception {
    return JSON.readTree(Files.readString(run.resolve("summary.json")));
  }

  private static void assertOneLine(String err) {
    assertEquals(1, err.strip().lines().count(), "exactly one line: " + err);
    assertFalse(err.contains("\tat "), "no stack trace: " + err);
  }

  @Test
  void aFullDiskEndsTrainInOneLineAndTheRunResumesToTheUninterruptedResult() throws Exception {
    Path whole = tmp.resolve("whole");
    assertEquals(0, TestRuns.run(train(whole)).code());
    Path run = tmp.resolve("full");
    TestRuns.Result r;
    // the 400th telemetry append finds no space (observations and latency events interleave)
    System.setProperty("governor.telemetry.faults", "telemetry:enospc@400");
    try {
      r = TestRuns.run(train(run));
    } finally {
      System.clearProperty("governor.telemetry.faults");
    }
    assertEquals(Main.EXIT_DISK_FULL, r.code(), r.err());
    assertOneLine(r.err());
    assertTrue(r.err().startsWith("train: disk full: "), r.err());
    assertTrue(r.err().contains("governor train --resume --run " + run.toAbsolutePath()), r.err());
    TestRuns.Result resumed = TestRuns.run("train", "--resume", "--run", run.toString(), "--quiet");
    assertEquals(0, resumed.code(), resumed.err());
    // the resumed run ends where the uninterrupted one does, bit for bit
    assertEquals(summary(whole).get("final_loss"), summary(run).get("final_loss"));
    assertEquals(summary(whole).get("final_lr"), summary(run).get("final_lr"));
    TestRuns.Result verify = TestRuns.run("replay", "--run", run.toString(), "--verify");
    assertEquals(0, verify.code(), verify.out() + verify.err());
  }

  @Test
  void aDamagedNewestCheckpointIsPassedOverForTheOlderOne() throws Exception {
    Path whole = tmp.resolve("whole");
    assertEquals(0, TestRuns.run(train(whole, "--checkpoint-every", "100")).code());
    Path run = tmp.resolve("cut");
    // two telemetry appends a step (observation, latency): the 900th is in step 449
    System.setProperty("governor.telemetry.faults", "telemetry:enospc@900");
    try {
      assertEquals(
          Main.EXIT_DISK_FULL, TestRuns.run(train(run, "--checkpoint-every", "100")).code());
    } finally {
      System.clearProperty("governor.telemetry.faults");
    }
    Path trainer = run.resolve("checkpoints").resolve("trainer");
    Path newest;
    try (var s = Files.list(trainer)) {
      newest = s.max(java.util.Comparator.naturalOrder()).orElseThrow();
    }
    assertEquals("step-000000000399", newest.getFileName().toString());
    Path file;
    try (var s = Files.list(newest)) {
      file = s.filter(p -> !p.getFileName().toString().endsWith(".crc32")).findFirst().get();
    }
    byte[] b = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(b, b.length / 2)); // cut in half, as a crash might
    TestRuns.Result r = TestRuns.run("train", "--resume", "--run", run.toString(), "--quiet");
    assertEquals(0, r.code(), r.err());
    assertEquals(summary(whole).get("final_loss"), summary(run).get("final_loss"));
    assertEquals(summary(whole).get("final_lr"), summary(run).get("final_lr"));
    assertEquals(0, summary(run).get("replay_mismatches").asLong(), "steps re-run identically");
  }

  @Test
  void trainRefusesAFolderHoldingTheUsersFilesUnlessForcedAndKeepsThem() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(out.resolve("summary.json"), "my notes\n");
    TestRuns.Result r = TestRuns.run(train(out));
    assertEquals(Main.EXIT_USAGE, r.code());
    assertOneLine(r.err());
    assertTrue(r.err().contains("is not empty (it holds summary.json)"), r.err());
    assertEquals("my notes\n", Files.readString(out.resolve("summary.json")));
    assertFalse(Files.exists(out.resolve("run.json")), "nothing written");

    Path other = Files.createDirectories(tmp.resolve("other"));
    Files.writeString(other.resolve("notes.txt"), "keep me\n");
    assertEquals(0, TestRuns.run(train(other, "--force")).code());
    assertEquals("keep me\n", Files.readString(other.resolve("notes.txt")));
    assertTrue(Files.exists(other.resolve("summary.json")));
  }

  @Test
  void simulateAndExportNeverReplaceAnotherCommandsFiles() throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, TestRuns.run(train(run)).code());
    String before = Files.readString(run.resolve("summary.json"));
    TestRuns.Result sim =
        TestRuns.run(
            "simulate", "--problem", "nqm", "--steps", "50", "--quiet", "--out", run.toString());
    assertEquals(Main.EXIT_USAGE, sim.code());
    assertOneLine(sim.err());
    assertTrue(sim.err().contains("a run folder"), sim.err());
    assertEquals(before, Files.readString(run.resolve("summary.json")));

    Path csv = Files.writeString(tmp.resolve("table.csv"), "mine\n");
    TestRuns.Result ex =
        TestRuns.run("export", "--run", run.toString(), "--format", "csv", "--out", csv.toString());
    assertEquals(Main.EXIT_USAGE, ex.code());
    assertOneLine(ex.err());
    assertTrue(ex.err().contains("already exists; pass --force"), ex.err());
    assertEquals("mine\n", Files.readString(csv));
    TestRuns.Result forced =
        TestRuns.run(
            "export",
            "--run",
            run.toString(),
            "--format",
            "csv",
            "--out",
            csv.toString(),
            "--force");
    assertEquals(0, forced.code(), forced.err());
    // a header and one row per step of the 600
    assertEquals(601, Files.readAllLines(csv).size());

    TestRuns.Result dir =
        TestRuns.run("export", "--run", run.toString(), "--format", "csv", "--out", tmp.toString());
    assertEquals(Main.EXIT_USAGE, dir.code());
    assertTrue(dir.err().contains("is a folder; give a file name"), dir.err());
  }

  @Test
  void importRefusesTheQueuesOfARunWhoseRunJsonIsGone() throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, TestRuns.run(train(run)).code());
    Files.delete(run.resolve("run.json"));
    Path csv = Files.writeString(tmp.resolve("in.csv"), "step,loss,grad_norm\n0,1.0,0.5\n");
    TestRuns.Result r =
        TestRuns.run("import", "--format", "csv", "--in", csv.toString(), "--run", run.toString());
    assertEquals(Main.EXIT_USAGE, r.code());
    assertOneLine(r.err());
    assertTrue(r.err().contains("holds the telemetry queue of an earlier run"), r.err());
  }

  @Test
  void aPlantTooLargeForTheHeapOrWithUnderflowingCurvaturesIsRefusedBeforeAnythingIsWritten() {
    Path out = tmp.resolve("never");
    // 8 vectors of 2e9 doubles: 8 * 8 * 2e9 B = 119.2 GiB, more than any test heap
    TestRuns.Result r =
        TestRuns.run(
            "train", "--plant", "nqm", "--dim", "2000000000", "--steps", "10", "--out", "" + out);
    assertEquals(Main.EXIT_USAGE, r.code());
    assertOneLine(r.err());
    assertTrue(r.err().contains("--dim 2000000000 needs at least 119.2 GiB of memory"), r.err());
    // ln(1 / 2.2250738585072014e-308) / ln(100) = 153.82 (NumPy): beyond it h_100 underflows
    TestRuns.Result e =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--spectrum-exponent",
            "1e6",
            "--steps",
            "10",
            "--out",
            "" + out);
    assertEquals(Main.EXIT_USAGE, e.code());
    assertOneLine(e.err());
    assertTrue(e.err().contains("nqm.exponent must be at most 153.8 for dim 100"), e.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void aKeyGivenTwiceIsRefusedNotSilentlyTheLast() {
    TestRuns.Result spec =
        TestRuns.run("schedule", "--policy", "cosine(lr=0.1, lr=0.2, t-max=10)", "--steps", "2");
    assertEquals(Main.EXIT_USAGE, spec.code());
    assertOneLine(spec.err());
    assertTrue(spec.err().contains("policy option lr is given twice"), spec.err());
    TestRuns.Result p =
        TestRuns.run(train(tmp.resolve("p"), "--policy", "cosine", "-P", "lr=0.1", "-P", "lr=0.2"));
    assertEquals(Main.EXIT_USAGE, p.code());
    assertOneLine(p.err());
    assertTrue(p.err().contains("-P lr is given twice (lr=0.1, lr=0.2)"), p.err());
    assertFalse(Files.exists(tmp.resolve("p")), "nothing written");
  }

  @Test
  void controlRefusesSettingsItWouldIgnore() throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, TestRuns.run(train(run)).code());
    TestRuns.Result r =
        TestRuns.run("control", "--run", run.toString(), "-Dgovernor.policy.pi.kp=1");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertOneLine(r.err());
    assertTrue(r.err().contains("-D governor.policy.pi.kp does not apply to control"), r.err());
  }

  @Test
  void aConfigFileSetsTrainsStepsAsTheReadmeSays() throws Exception {
    Path conf = Files.writeString(tmp.resolve("t.conf"), "governor.train.steps = 40\n");
    Path run = tmp.resolve("run");
    TestRuns.Result r =
        TestRuns.run(
            "train", "--config", conf.toString(), "--plant", "nqm", "--quiet", "--out", "" + run);
    assertEquals(0, r.code(), r.err());
    assertEquals(40, summary(run).get("steps_run").asLong());
  }

  @Test
  void aResumeOrASecondControllerOfALiveRunIsRefusedAndChangesNothing() throws Exception {
    Path run = tmp.resolve("live");
    java.util.List<String> cmd =
        java.util.List.of(
            "train",
            "--plant",
            "nqm",
            "--dim",
            "20",
            "--steps",
            "100000000",
            "--quiet",
            "--out",
            run.toString());
    Process p = TestRuns.childJvm(cmd).redirectOutput(tmp.resolve("train.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      // bounded wait until the other process writes both queues
      while (!(Files.exists(run.resolve("run.json")) && RunContents.decisionCount(run) >= 100)) {
        assertTrue(p.isAlive(), "the training process ended early");
        assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for 100 decisions");
        Thread.sleep(20);
      }
      TestRuns.Result r = TestRuns.run("train", "--resume", "--run", run.toString(), "--quiet");
      assertEquals(Main.EXIT_USAGE, r.code(), r.out() + r.err());
      assertOneLine(r.err());
      assertTrue(
          r.err().contains("is still being written: telemetry queue written by pid " + p.pid()),
          r.err());
      TestRuns.Result c = TestRuns.run("control", "--run", run.toString(), "--limit", "5");
      assertEquals(Main.EXIT_USAGE, c.code(), c.out() + c.err());
      assertOneLine(c.err());
      assertTrue(
          c.err().contains("already has a controller: decisions queue written by pid " + p.pid()),
          c.err());
      assertFalse(Files.exists(run.resolve("summary.json")), "no summary replaced or written");
      assertTrue(p.isAlive(), "the live run goes on");
    } finally {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void demoBlamesABatchLargerThanTheDataSet() {
    Path out = tmp.resolve("demo");
    TestRuns.Result r =
        TestRuns.run(
            "demo",
            "--dataset",
            "synthetic",
            "--batch",
            "100000",
            "--train-limit",
            "256",
            "--out",
            out.toString(),
            "--quiet");
    assertEquals(Main.EXIT_USAGE, r.code(), r.err());
    assertOneLine(r.err());
    assertTrue(
        r.err().contains("--batch 100000 is larger than the 256 training examples (--train-limit"),
        r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void resumeWithoutARunFolderIsOneLine() {
    TestRuns.Result r = TestRuns.run("train", "--resume");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertOneLine(r.err());
    assertEquals("train: --resume needs the run folder to continue: --run DIR", r.err().strip());
  }

  @Test
  void aRunStoppedBeforeItsQueuesExistedResumesFromStepZero() throws Exception {
    Path whole = tmp.resolve("whole");
    assertEquals(0, TestRuns.run(train(whole)).code());
    // what a kill in the first moments leaves: run.json, empty sub-folders
    Path dead = tmp.resolve("dead");
    assertEquals(0, TestRuns.run(train(dead)).code());
    for (String sub : new String[] {"telemetry", "decisions", "checkpoints"}) {
      try (var s = Files.walk(dead.resolve(sub))) {
        s.sorted(java.util.Comparator.reverseOrder())
            .filter(p -> !p.equals(dead.resolve(sub)))
            .forEach(p -> p.toFile().delete());
      }
    }
    Files.delete(dead.resolve("summary.json"));
    Files.delete(dead.resolve("report.html"));
    TestRuns.Result r = TestRuns.run("train", "--resume", "--run", dead.toString(), "--quiet");
    assertEquals(0, r.code(), r.err());
    assertEquals(summary(whole).get("final_loss"), summary(dead).get("final_loss"));
    assertEquals(600, summary(dead).get("steps_run").asLong());
  }

  @Test
  void controlOnAnEndedRunExitsAtOnceAndAppendsNothing() throws Exception {
    Path run = tmp.resolve("run");
    assertEquals(0, TestRuns.run(train(run)).code());
    long before = decisionRecords(run);
    long t0 = System.nanoTime();
    TestRuns.Result r = TestRuns.run("control", "--run", run.toString(), "--limit", "20");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("has already ended (after step 599)"), r.out());
    assertTrue(seconds < 10, "exits at once, not at --limit: " + seconds + " s");
    assertEquals(before, decisionRecords(run), "no RESTART event appended");
  }

  private static long decisionRecords(Path run) {
    try (DecisionLog log = RunFolder.open(run).readDecisions()) {
      return log.scan().records();
    }
  }
}

package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static dev.governor.testkit.RunContents.decisions;
import static dev.governor.testkit.RunContents.observations;
import static dev.governor.testkit.RunContents.steps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Decision;
import dev.governor.telemetry.EventKind;
import dev.governor.testkit.RunContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code governor train --resume}: a crashed run continues from its folder, bit for bit. */
class ResumeTest {
  static final String POLICY = "plateau(lr=0.5, factor=0.5, patience=20)";
  static final long STEPS = 6_000;

  @TempDir Path tmp;

  private static List<String> train(Path dir, long steps) {
    return List.of(
        "train",
        "--plant",
        "nqm",
        "--dim",
        "30",
        "--policy",
        POLICY,
        "--steps",
        Long.toString(steps),
        "--seed",
        "3",
        "--checkpoint-every",
        "500",
        "--out",
        dir.toString(),
        "--quiet");
  }

  /**
   * The telemetry append at which the child's trainer stalls for good (an observation and a LATENCY
   * event per step: about step 1500), past the checkpoints at 500 and 1000.
   */
  static final long STALL_AT = 3000;

  /** {@code governor} in a child JVM with this JVM's flags and classpath. */
  private static Process child(Path log, List<String> args, String... properties)
      throws IOException {
    return TestRuns.childJvm(args, properties).redirectOutput(log.toFile()).start();
  }

  @Test
  void aRunKilledMidWayAndResumedDecidesExactlyWhatAnUninterruptedRunDoes() throws Exception {
    Path dir = tmp.resolve("crashed");
    Path log = tmp.resolve("train.log");
    // the child's trainer stalls for good at a fixed telemetry append (injected), so it is killed
    // mid-run at a point that does not depend on the machine's speed
    Process p =
        child(log, train(dir, STEPS), "-Dgovernor.telemetry.faults=telemetry:stall@" + STALL_AT);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!(Files.exists(log) && Files.readString(log).contains("governor: injected stall"))) {
      assertTrue(p.isAlive(), "the training process ended before it stalled: " + readLog(log));
      assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for the stall");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    p.destroyForcibly(); // SIGKILL, mid-run
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    long killedAt = observations(dir).size();
    assertTrue(killedAt > 1000 && killedAt < STEPS, "killed past two checkpoints, at " + killedAt);
    assertFalse(Files.exists(dir.resolve("summary.json")));

    // other options than the run's: refused in one line, nothing changed
    TestRuns.Result differ = run(withResume(train(dir, STEPS + 1)));
    assertEquals(2, differ.code());
    assertEquals(
        "train: --resume: the options differ from run.json of "
            + dir.toAbsolutePath().normalize()
            + ": steps "
            + (STEPS + 1)
            + " (run: "
            + STEPS
            + ")",
        differ.err().strip());
    assertEquals(killedAt, observations(dir).size());

    TestRuns.Result resumed = run("train", "--run", dir.toString(), "--resume", "--quiet");
    assertEquals(0, resumed.code(), resumed.err());

    Path ref = tmp.resolve("uninterrupted");
    assertEquals(0, run(train(ref, STEPS).toArray(String[]::new)).code());
    List<Decision> one = decisions(ref);
    List<Decision> two = decisions(dir);
    assertEquals(LongStream.range(0, STEPS).boxed().toList(), steps(two), "no gap, no duplicate");
    for (int i = 0; i < one.size(); i++) { // hyperparameters and controller internals, raw bits
      assertEquals(one.get(i).toString(), two.get(i).toString(), "decision " + i);
      assertEquals(
          Double.doubleToRawLongBits(one.get(i).lrMeasurement),
          Double.doubleToRawLongBits(two.get(i).lrMeasurement));
    }
    assertEquals(observations(ref), observations(dir), "each step once, as in one go");
    assertEquals(0, RunContents.events(dir, EventKind.FAULT, false).size(), "re-runs matched");
    assertEquals(0, RunContents.events(dir, EventKind.FAULT, true).size(), "re-feeds matched");
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(s.get("completed").asBoolean());
    assertEquals(killedAt - 1, s.get("resumed_after_step").asLong(), s.toString());

    TestRuns.Result replay = run("replay", "--run", dir.toString(), "--verify");
    assertEquals(0, replay.code(), replay.out() + replay.err());
    assertTrue(replay.out().contains("verified " + STEPS + "/" + STEPS), replay.out());

    TestRuns.Result again = run("train", "--run", dir.toString(), "--resume", "--quiet");
    assertEquals(2, again.code());
    assertEquals(
        "train: --resume: run "
            + dir.toAbsolutePath().normalize()
            + " has already ended (after step "
            + (STEPS - 1)
            + ")",
        again.err().strip());
  }

  private static String readLog(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "(no log)";
  }

  private static String[] withResume(List<String> args) {
    List<String> a = new ArrayList<>(args);
    a.add("--resume");
    return a.toArray(String[]::new);
  }

  @Test
  void foldersThatAreNotResumableRunsAreRefusedInOneLine() throws Exception {
    Path none = tmp.resolve("none");
    Files.createDirectories(none);
    TestRuns.Result r = run("train", "--run", none.toString(), "--resume");
    assertEquals(2, r.code());
    assertEquals(
        "train: --resume: not a run folder: " + none.toAbsolutePath() + " has no run.json",
        r.err().strip());

    Path other = tmp.resolve("recorded"); // a run folder another command wrote
    TestRuns.record(other, dev.governor.control.PolicySpec.parse("pi"), 5, d -> d);
    r = run("train", "--run", other.toString(), "--resume");
    assertEquals(2, r.code());
    assertTrue(
        r.err()
            .strip()
            .endsWith(
                "is not a resumable run (its run.json was not written by"
                    + " 'governor train --plant' of this version)"),
        r.err());
    assertEquals(1, r.err().strip().lines().count());

    r = run("train", "--run", other.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--run names a run to continue and needs --resume"), r.err());
    r = run("train", "--plant", "nqm", "--steps", "5");
    assertEquals(2, r.code());
    assertEquals("train: --out (the run folder to create) must be given", r.err().strip());
  }
}

package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static dev.governor.testkit.RunContents.decided;
import static dev.governor.testkit.RunContents.decisions;
import static dev.governor.testkit.RunContents.events;
import static dev.governor.testkit.RunContents.observations;
import static dev.governor.testkit.RunContents.observedSteps;
import static dev.governor.testkit.RunContents.steps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.telemetry.EventKind;
import dev.governor.testkit.RunContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller in a second JVM ({@code governor control} with the Chronicle flags) against a
 * trainer in this one ({@code governor train --controller external}).
 */
class ControlProcessTest {
  static final String POLICY = "plateau(lr=0.5, factor=0.5, patience=20)";

  @TempDir Path tmp;

  /**
   * Starts {@code governor control --run dir} in a child JVM with this JVM's flags and classpath.
   */
  private static Process controlProcess(Path dir, Path log) throws IOException {
    return TestRuns.childJvm(List.of("control", "--run", dir.toString(), "--wait", "120"))
        .redirectOutput(log.toFile())
        .start();
  }

  private static String[] train(Path dir, long steps, long timeoutMs, String controller) {
    return new String[] {
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
      "--out",
      dir.toString(),
      "--quiet",
      "--controller",
      controller,
      "--decision-timeout",
      Long.toString(timeoutMs)
    };
  }

  /** Waits (bounded) for another process to reach a state; fails the test after 120 s. */
  private static void awaitCondition(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static int exit(Process p, Path log) throws Exception {
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "control process did not exit");
    if (p.exitValue() != 0) {
      System.err.println(Files.readString(log));
    }
    return p.exitValue();
  }

  @Test
  void twoJvmsDecideBitForBitWhatOneDoes() throws Exception {
    Path inProcess = tmp.resolve("one");
    assertEquals(0, run(train(inProcess, 1500, 10_000, "in-process")).code());

    Path external = tmp.resolve("two");
    Path log = tmp.resolve("control.log");
    Process control = controlProcess(external, log); // started first: waits for the run
    TestRuns.Result r = run(train(external, 1500, 10_000, "external"));
    assertEquals(0, r.code(), r.err());
    assertEquals(0, exit(control, log));

    List<Decision> one = decisions(inProcess);
    List<Decision> two = decisions(external);
    assertEquals(LongStream.range(0, 1500).boxed().toList(), steps(two));
    assertEquals(decided(one), decided(two));
    for (int i = 0; i < one.size(); i++) { // the controller internals too, bit for bit
      assertEquals(one.get(i).toString(), two.get(i).toString());
      assertEquals(
          Double.doubleToRawLongBits(one.get(i).lrMeasurement),
          Double.doubleToRawLongBits(two.get(i).lrMeasurement));
    }
    assertEquals(observations(inProcess), observations(external));
    assertEquals(0, events(external, EventKind.TIMEOUT, false).size());
  }

  @Test
  void aKilledControllerIsRestartedAndTheRunCompletesWithNothingLost() throws Exception {
    Path dir = tmp.resolve("kill");
    long steps = 12_000;
    Path log1 = tmp.resolve("control-1.log");
    Process first = controlProcess(dir, log1);
    CompletableFuture<TestRuns.Result> training =
        CompletableFuture.supplyAsync(() -> run(train(dir, steps, 150, "external")));

    awaitCondition(
        "2000 decisions",
        () -> Files.exists(dir.resolve("run.json")) && RunContents.decisionCount(dir) >= 2000);
    long before = events(dir, EventKind.TIMEOUT, false).size(); // e.g. while the JVM started
    first.destroyForcibly(); // SIGKILL, mid-run
    assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    awaitCondition(
        "2 more time-outs", () -> events(dir, EventKind.TIMEOUT, false).size() >= before + 2);
    Path log2 = tmp.resolve("control-2.log");
    Process second = controlProcess(dir, log2);
    TestRuns.Result r = training.get(180, TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.err());
    assertEquals(0, exit(second, log2));

    // nothing lost, nothing twice: one observation and one decision per step
    List<Observation> obs = observations(dir);
    List<Decision> ds = decisions(dir);
    List<Long> all = LongStream.range(0, steps).boxed().toList();
    assertEquals(all, observedSteps(obs));
    assertEquals(all, steps(ds));
    // time-outs counted, in telemetry and in the summary
    long timeouts = events(dir, EventKind.TIMEOUT, false).size();
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(timeouts >= before + 2, "time-outs " + timeouts);
    assertEquals(timeouts, s.get("timeouts").asLong());
    // the restarted controller resumed from the queue's end
    assertEquals(1, events(dir, EventKind.RESTART, true).size());
    // and every decision is what the policy makes of the recorded telemetry (replay)
    Policy p = Policies.create(POLICY);
    List<Hyperparameters> replayed = new ArrayList<>();
    for (Observation o : obs) {
      Decision d = new Decision();
      p.decide(o, d);
      replayed.add(d.hyperparameters());
    }
    assertEquals(replayed, decided(ds));
    TestRuns.Result replay = run("replay", "--run", dir.toString(), "--verify");
    assertEquals(0, replay.code(), replay.out() + replay.err());
    assertTrue(replay.out().contains("verified " + steps + "/" + steps), replay.out());
  }
}

package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.telemetry.Replay;
import dev.governor.telemetry.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak of the failover paths (run on its own: {@code -Dit.test=FailoverSoakIT}): three controller
 * nodes and one trainer process; the trainer is killed and resumed over and over, and every other
 * round a controller node is killed and a new one started in its place. Every run must end with
 * decisions bit-identical to the plain loop of its seed.
 */
class FailoverSoakIT {
  static final int RUNS = Integer.getInteger("soak.runs", 12);
  static final long STEPS = Long.getLong("soak.steps", 1500);
  static final int ROUNDS = Integer.getInteger("soak.rounds", 6);

  final FailoverIT procs = new FailoverIT();

  @AfterEach
  void killAll() {
    procs.killAll();
  }

  @Test
  void runsSurviveRepeatedKills(@TempDir Path tmp) throws Exception {
    try {
      soak(tmp);
    } catch (Throwable e) {
      FailoverIT.keepLogs(tmp);
      throw e;
    }
  }

  private void soak(Path tmp) throws Exception {
    int[] ports = {Runs.freePort(), Runs.freePort(), Runs.freePort()};
    String seeds = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    List<Process> controllers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      controllers.add(
          procs.start(
              tmp.resolve("controller-" + i + ".log"),
              "controller",
              "127.0.0.1:" + ports[i],
              seeds));
    }
    for (int i = 0; i < 3; i++) {
      FailoverIT.awaitLine(tmp.resolve("controller-" + i + ".log"), "UP", 60);
    }
    Path runs = Files.createDirectories(tmp.resolve("runs"));
    String n = Integer.toString(RUNS);
    String steps = Long.toString(STEPS);
    Process t =
        procs.start(
            tmp.resolve("trainer-b.log"), "trainer", seeds, runs.toString(), "2000", n, steps);
    int restarts = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int before = decided(runs);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (decided(runs) < before + RUNS * 40 && System.nanoTime() < deadline && t.isAlive()) {
        Thread.sleep(20);
      }
      if (!t.isAlive()) {
        break;
      }
      if (round % 2 == 1) {
        int k = (round / 2) % 3;
        controllers.get(k).destroyForcibly();
        controllers.get(k).waitFor(10, TimeUnit.SECONDS);
        // a new node in its place, on the same port: the seed list stays valid
        controllers.set(
            k,
            procs.start(
                tmp.resolve("controller-" + k + "-r" + round + ".log"),
                "controller",
                "127.0.0.1:" + ports[k],
                seeds));
      }
      t.destroyForcibly();
      t.waitFor(10, TimeUnit.SECONDS);
      restarts++;
      t =
          procs.start(
              tmp.resolve("trainer-b" + restarts + ".log"),
              "trainer",
              seeds,
              runs.toString(),
              "2000",
              n,
              steps,
              "resume");
    }
    Path last = tmp.resolve("trainer-b" + restarts + ".log");
    assertTrue(t.waitFor(120, TimeUnit.SECONDS), "trainer finished:\n" + FailoverIT.tail(last));
    assertEquals(0, t.exitValue(), FailoverIT.tail(last));
    for (int i = 0; i < RUNS; i++) {
      long seed = 2000 + i;
      Path run = runs.resolve("run-" + seed);
      List<Decision> got = Runs.decisions(run);
      List<Decision> want = Runs.plainLoop(seed, STEPS);
      assertEquals(STEPS, got.size(), run + ": one decision per step, none twice");
      for (int s = 0; s < STEPS; s++) {
        assertNull(Runs.difference(want.get(s), got.get(s)), run.toString());
      }
      Replay.Verification v = Replay.verify(RunFolder.open(run));
      assertTrue(v.ok(), run + ": " + v);
    }
  }

  static int decided(Path runs) {
    int d = 0;
    for (int i = 0; i < RUNS; i++) {
      d += Runs.decisionCount(runs.resolve("run-" + (2000 + i)));
    }
    return d;
  }
}

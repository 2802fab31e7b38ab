package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.telemetry.Replay;
import dev.governor.telemetry.RunFolder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real JVMs on loopback: three controller nodes and two trainer processes with 50 sync runs of the
 * simulated plant. Mid-run one controller node (the oldest, which also hosts the shard coordinator)
 * and one trainer process are killed with SIGKILL; the trainer is started again with its run
 * folders (resume). Every run must complete with decisions bit-identical to a plain single-thread
 * loop of its seed, and replay --verify must pass on every run folder.
 *
 * <p>Bounded: every wait has a deadline; every process is killed in teardown.
 */
class FailoverIT {
  static final int RUNS_PER_TRAINER = 25;
  static final long STEPS = 300;

  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  Process start(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-exports") || a.startsWith("--add-opens")) {
        cmd.add(a);
      }
    }
    cmd.add("-Xmx256m");
    cmd.add("-Dlogback.configurationFile=logback-node.xml");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(testClassPath());
    cmd.add(NodeMain.class.getName());
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  static String testClassPath() {
    String cp = System.getProperty("java.class.path");
    String real = System.getProperty("surefire.test.class.path");
    return real != null && !real.isBlank() ? real : cp;
  }

  static void awaitLine(Path log, String text, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no '" + text + "' in " + log + " within " + seconds + " s:\n" + tail(log));
  }

  static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    String s = Files.readString(log);
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }

  static int decided(Path dir, long first) {
    int n = 0;
    for (int i = 0; i < RUNS_PER_TRAINER; i++) {
      n += Runs.decisionCount(dir.resolve("run-" + (first + i)));
    }
    return n;
  }

  @Test
  @Timeout(value = 115, unit = TimeUnit.SECONDS)
  void runsSurviveAKilledControllerNodeAndAKilledTrainer(@TempDir Path tmp) throws Exception {
    try {
      killAControllerAndATrainer(tmp);
      if (Boolean.getBoolean("failover.keepLogs")) {
        keepLogs(tmp);
      }
    } catch (Throwable e) {
      keepLogs(tmp);
      throw e;
    }
  }

  /**
   * Copies the node logs and each run's decision count to {@code target/failover-it/} so that a
   * failure can be read after the temporary folder is gone.
   */
  static void keepLogs(Path tmp) throws IOException {
    Path out =
        Files.createDirectories(
            Path.of("target", "failover-it", Long.toString(System.currentTimeMillis())));
    try (var files = Files.list(tmp)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".log")) {
          Files.copy(f, out.resolve(f.getFileName()));
        }
      }
    }
    StringBuilder counts = new StringBuilder();
    for (long first : new long[] {1000, 2000}) {
      for (int i = 0; i < RUNS_PER_TRAINER; i++) {
        Path run = tmp.resolve("runs").resolve("run-" + (first + i));
        if (Files.isDirectory(run)) {
          counts.append(run.getFileName()).append(' ').append(Runs.decisionCount(run)).append('\n');
        }
      }
    }
    Files.writeString(out.resolve("decisions.txt"), counts);
    System.out.println("FailoverIT logs kept in " + out.toAbsolutePath());
  }

  private void killAControllerAndATrainer(Path tmp) throws Exception {
    long t0 = System.nanoTime();
    int[] ports = {Runs.freePort(), Runs.freePort(), Runs.freePort()};
    String seeds = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    List<Process> controllers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      controllers.add(
          start(
              tmp.resolve("controller-" + i + ".log"),
              "controller",
              "127.0.0.1:" + ports[i],
              seeds));
    }
    for (int i = 0; i < 3; i++) {
      awaitLine(tmp.resolve("controller-" + i + ".log"), "UP", 60);
    }
    long up = System.nanoTime();
    Path runs = Files.createDirectories(tmp.resolve("runs"));
    String n = Integer.toString(RUNS_PER_TRAINER);
    String steps = Long.toString(STEPS);
    Process a =
        start(tmp.resolve("trainer-a.log"), "trainer", seeds, runs.toString(), "1000", n, steps);
    Process b =
        start(tmp.resolve("trainer-b.log"), "trainer", seeds, runs.toString(), "2000", n, steps);

    // kill mid-run: once a quarter of trainer b's decisions are in (past the first policy snapshot
    // and trainer checkpoint of most runs)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (decided(runs, 2000) < RUNS_PER_TRAINER * STEPS / 4 && System.nanoTime() < deadline) {
      Thread.sleep(250); // each look reads 25 decision queues
    }
    int atKill = decided(runs, 2000);
    assertTrue(atKill < RUNS_PER_TRAINER * STEPS, "killed before trainer b finished");
    long killed = System.nanoTime();
    controllers.get(0).destroyForcibly(); // SIGKILL: the oldest node, the shard coordinator's
    b.destroyForcibly();
    b.waitFor(10, TimeUnit.SECONDS);
    Process b2 =
        start(
            tmp.resolve("trainer-b2.log"),
            "trainer",
            seeds,
            runs.toString(),
            "2000",
            n,
            steps,
            "resume");

    assertTrue(
        a.waitFor(90, TimeUnit.SECONDS),
        "trainer a finished:\n" + tail(tmp.resolve("trainer-a.log")));
    assertEquals(0, a.exitValue(), tail(tmp.resolve("trainer-a.log")));
    assertTrue(
        b2.waitFor(60, TimeUnit.SECONDS),
        "trainer b finished:\n" + tail(tmp.resolve("trainer-b2.log")));
    assertEquals(0, b2.exitValue(), tail(tmp.resolve("trainer-b2.log")));
    long ended = System.nanoTime();

    for (long first : new long[] {1000, 2000}) {
      for (int i = 0; i < RUNS_PER_TRAINER; i++) {
        long seed = first + i;
        Path run = runs.resolve("run-" + seed);
        List<Decision> got = Runs.decisions(run);
        List<Decision> want = Runs.plainLoop(seed, STEPS);
        assertEquals(STEPS, got.size(), run + ": one decision per step, none twice");
        for (int t = 0; t < STEPS; t++) {
          assertNull(Runs.difference(want.get(t), got.get(t)), run.toString());
        }
        Replay.Verification v = Replay.verify(RunFolder.open(run));
        assertTrue(v.ok(), run + ": " + v);
      }
    }
    System.out.println("decisions of trainer b at the kill: " + atKill);
    System.out.printf(
        java.util.Locale.ROOT,
        "controllers up %.1f s, kill at %.1f s, trainers done %.1f s, checked %.1f s%n",
        (up - t0) / 1e9,
        (killed - t0) / 1e9,
        (ended - t0) / 1e9,
        (System.nanoTime() - t0) / 1e9);
    System.out.println(
        Files.readString(tmp.resolve("trainer-a.log"))
            .lines()
            .filter(l -> l.startsWith("RESULT"))
            .reduce("", (x, y) -> x + y + "\n"));
  }
}

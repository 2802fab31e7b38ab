package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import dev.governor.telemetry.Replay;
import dev.governor.telemetry.RunFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs on a two-node controller cluster inside this JVM (loopback, free ports), trainers on a third
 * node: sync-mode decisions must equal a plain single-thread loop of the same seed bit for bit, and
 * replay --verify must pass.
 */
@Timeout(120)
class ClusterRunTest {
  static final List<ClusterNode> nodes = new ArrayList<>();
  static List<NodeAddress> seeds;

  @BeforeAll
  static void startControllers() throws InterruptedException {
    NodeAddress a = new NodeAddress("127.0.0.1", Runs.freePort());
    NodeAddress b = new NodeAddress("127.0.0.1", Runs.freePort());
    seeds = List.of(a, b);
    nodes.add(ClusterNode.start(ClusterSettings.of(a, seeds, true)));
    nodes.add(ClusterNode.start(ClusterSettings.of(b, seeds, true)));
    for (ClusterNode n : nodes) {
      assertTrue(n.awaitUp(Duration.ofSeconds(30)), "controller node joined");
    }
  }

  @AfterAll
  static void stopControllers() {
    nodes.forEach(ClusterNode::close);
  }

  static ClusterSettings trainer() {
    return ClusterSettings.of(new NodeAddress("127.0.0.1", 0), seeds, false);
  }

  @Test
  void syncRunsDecideAsThePlainLoop(@TempDir Path tmp) throws Exception {
    int runs = 4;
    long steps = 200;
    List<RunSpec> specs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      specs.add(Runs.spec(tmp.resolve("r" + i), 100 + i, steps, RunSpec.Mode.SYNC));
      ids.add("sync-" + i);
    }
    List<RunResult> results = ClusterRuntime.runAll(specs, ids, trainer(), Duration.ofSeconds(30));
    for (int i = 0; i < runs; i++) {
      RunResult r = results.get(i);
      assertTrue(r.completed(), r.failure());
      assertEquals(0, r.timeouts());
      List<Decision> got = Runs.decisions(specs.get(i).dir());
      List<Decision> want = Runs.plainLoop(100 + i, steps);
      assertEquals(steps, got.size(), "one decision per step, none twice");
      for (int t = 0; t < steps; t++) {
        assertNull(Runs.difference(want.get(t), got.get(t)), "run " + i);
      }
      Replay.Verification v = Replay.verify(RunFolder.open(specs.get(i).dir()));
      assertTrue(v.ok(), v.toString());
    }
  }

  @Test
  void anAsyncRunGetsOneDecisionPerStepAndReplays(@TempDir Path tmp) throws Exception {
    long steps = 300;
    RunSpec spec = Runs.spec(tmp.resolve("async"), 21, steps, RunSpec.Mode.ASYNC);
    RunResult r =
        ClusterRuntime.runAll(List.of(spec), List.of("async-21"), trainer(), Duration.ofSeconds(30))
            .get(0);
    assertTrue(r.completed(), r.failure());
    List<Decision> got = Runs.decisions(spec.dir());
    assertEquals(steps, got.size(), "every observation decided once, the last ones too");
    for (int t = 0; t < steps; t++) {
      assertEquals(t, got.get(t).step);
    }
    Replay.Verification v = Replay.verify(RunFolder.open(spec.dir()));
    assertTrue(v.ok(), v.toString());
  }

  @Test
  void aFourRankRunIsAggregatedByTheControllerAsByThePlainLoop(@TempDir Path tmp) throws Exception {
    long steps = 150;
    Path dir = tmp.resolve("ranks");
    Runs.spec(dir, 5, steps, RunSpec.Mode.SYNC); // creates the folder
    RunSpec spec =
        RunSpec.builder(
                dir,
                () -> new DataParallelPlant(DataParallelPlantTest.nqm(4), 4, 5),
                Runs.PI,
                steps)
            .controller(RunSpec.ControllerPlacement.EXTERNAL)
            .decisionTimeout(Duration.ofSeconds(60))
            .snapshotEvery(40)
            .build();
    RunResult r =
        ClusterRuntime.runAll(List.of(spec), List.of("ranks-5"), trainer(), Duration.ofSeconds(30))
            .get(0);
    assertTrue(r.completed(), r.failure());
    List<Decision> want =
        Runs.plainLoop(
            new DataParallelPlant(DataParallelPlantTest.nqm(4), 4, 5),
            dev.governor.control.Policies.create(Runs.PI),
            steps);
    List<Decision> got = Runs.decisions(dir);
    assertEquals(steps, got.size());
    for (int t = 0; t < steps; t++) {
      assertNull(Runs.difference(want.get(t), got.get(t)));
    }
    assertEquals(16, Runs.observations(dir).get(0).batchSize(), "the effective batch: 4 x 4");
    assertTrue(Replay.verify(RunFolder.open(dir)).ok());
  }

  /**
   * A data-parallel plant of 4 ranks whose rank 2 does not report step {@code silentStep}: that
   * step's observation is the aggregate of the three that did (what the trainer records).
   */
  static final class SilentRank implements RankedTrainer {
    final DataParallelPlant plant = new DataParallelPlant(DataParallelPlantTest.nqm(4), 4, 7);
    final long silentStep;
    List<Observation> reported = List.of();

    SilentRank(long silentStep) {
      this.silentStep = silentStep;
    }

    @Override
    public int ranks() {
      return 4;
    }

    @Override
    public List<Observation> rankObservations() {
      return reported;
    }

    @Override
    public Observation step(long step, Hyperparameters h) {
      Observation all = plant.step(step, h);
      if (step != silentStep) {
        reported = plant.rankObservations();
        return all;
      }
      List<Observation> three = new ArrayList<>(plant.rankObservations());
      three.remove(2);
      reported = List.copyOf(three);
      return RankAggregation.aggregate(reported);
    }

    @Override
    public int layerCount() {
      return plant.layerCount();
    }

    @Override
    public void saveCheckpoint(Path dir) throws IOException {
      plant.saveCheckpoint(dir);
    }

    @Override
    public void loadCheckpoint(Path dir) throws IOException {
      plant.loadCheckpoint(dir);
    }
  }

  @Test
  void aRankThatDoesNotReportAStepIsAnEventAndTheStepIsDecidedOnTheOthers(@TempDir Path tmp)
      throws Exception {
    long steps = 60;
    long silent = 37;
    Path dir = tmp.resolve("silent");
    Runs.spec(dir, 7, steps, RunSpec.Mode.SYNC); // creates the folder
    RunSpec spec =
        RunSpec.builder(dir, () -> new SilentRank(silent), Runs.PI, steps)
            .controller(RunSpec.ControllerPlacement.EXTERNAL)
            .decisionTimeout(Duration.ofSeconds(60))
            .build();
    RunResult r =
        ClusterRuntime.runAll(List.of(spec), List.of("silent-7"), trainer(), Duration.ofSeconds(30))
            .get(0);
    assertTrue(r.completed(), r.failure());
    // reference: the plain loop over the same plant, deciding step 37 on the three reporting ranks
    List<Decision> want =
        Runs.plainLoop(
            new SilentRank(silent), dev.governor.control.Policies.create(Runs.PI), steps);
    List<Decision> got = Runs.decisions(dir);
    assertEquals(steps, got.size());
    for (int t = 0; t < steps; t++) {
      assertNull(Runs.difference(want.get(t), got.get(t)), "step " + t);
    }
    assertEquals(12, Runs.observations(dir).get((int) silent).batchSize(), "3 ranks x batch 4");
    List<dev.governor.telemetry.Event> missing = new ArrayList<>();
    missing.addAll(
        dev.governor.testkit.RunContents.events(
            dir, dev.governor.telemetry.EventKind.RANK_MISSING, true));
    assertEquals(1, missing.size(), missing.toString());
    assertEquals(silent, missing.get(0).step());
    assertEquals(1.0, missing.get(0).detail(), 0.0, "one of the four ranks was missing");
    assertTrue(Replay.verify(RunFolder.open(dir)).ok());
  }

  @Test
  void aSecondLiveTrainerOfTheSameRunIdIsRefused(@TempDir Path tmp) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RunSpec plain = Runs.spec(tmp.resolve("first"), 7, 100, RunSpec.Mode.SYNC);
    // the first run's plant holds at step 20 until the second trainer has been refused
    RunSpec first =
        RunSpec.builder(plain.dir(), () -> new HeldAt(Runs.nqm(7).get(), 20, release), Runs.PI, 100)
            .mode(RunSpec.Mode.SYNC)
            .controller(RunSpec.ControllerPlacement.EXTERNAL)
            .decisionTimeout(Duration.ofSeconds(60))
            .build();
    RunSpec second = Runs.spec(tmp.resolve("second"), 7, 50, RunSpec.Mode.SYNC);
    List<RunResult> firstResult = new ArrayList<>();
    Thread t =
        new Thread(
            () -> {
              try {
                firstResult.addAll(
                    ClusterRuntime.runAll(
                        List.of(first), List.of("dup"), trainer(), Duration.ofSeconds(30)));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    t.start();
    try {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (Runs.decisionCount(first.dir()) < 20 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      List<RunResult> r =
          ClusterRuntime.runAll(List.of(second), List.of("dup"), trainer(), Duration.ofSeconds(30));
      assertFalse(r.get(0).completed());
      assertTrue(r.get(0).failure().contains("already controlled"), r.get(0).failure());
    } finally {
      release.countDown();
    }
    t.join(60_000);
    assertTrue(firstResult.get(0).completed(), firstResult.get(0).failure());
    assertEquals(100, Runs.decisions(first.dir()).size());
  }

  /** A plant that blocks in step {@code at} until {@code release} opens. */
  record HeldAt(Trainer plant, long at, CountDownLatch release) implements Trainer {
    @Override
    public Observation step(long step, Hyperparameters h) {
      if (step == at) {
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return plant.step(step, h);
    }

    @Override
    public int layerCount() {
      return plant.layerCount();
    }

    @Override
    public void saveCheckpoint(Path dir) throws IOException {
      plant.saveCheckpoint(dir);
    }

    @Override
    public void loadCheckpoint(Path dir) throws IOException {
      plant.loadCheckpoint(dir);
    }
  }
}

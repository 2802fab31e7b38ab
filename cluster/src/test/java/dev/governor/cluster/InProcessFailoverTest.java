package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.control.Decision;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.Replay;
import dev.governor.telemetry.RunFolder;
import dev.governor.testkit.RunContents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller node crashes mid-run, in one JVM (the default build's failover test; the multi-JVM
 * ones, with {@code kill -9} and a resumed trainer, run with {@code -Pfailover-it}). Three
 * controller nodes with quick failure handling; a trainer node runs six sync runs; once they are
 * under way, the node hosting the most of their entities is stopped without leaving the cluster
 * (its actor system terminates, as in a crash: no hand-off, the others find it unreachable and the
 * split-brain resolver downs it). Every run must complete with decisions bit-identical to the plain
 * loop of its seed, and the runs whose entities died must show the rebuild (a {@code RESTART} event
 * from the link).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InProcessFailoverTest {
  final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    // no graceful leaves: the cluster goes away as a whole
    for (ClusterNode n : nodes) {
      n.system().terminate();
    }
    for (ClusterNode n : nodes) {
      n.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Quick failure handling: down after 1 s unreachable; a 2 s heartbeat pause, since all four nodes
   * share this JVM's (possibly starved) CPU.
   */
  static ClusterSettings fast(ClusterSettings s) {
    return s.withFailureTimes(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void runsContinueBitIdenticalAfterAControllerNodeCrashes(@TempDir Path tmp) throws Exception {
    List<NodeAddress> seeds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seeds.add(new NodeAddress("127.0.0.1", Runs.freePort()));
    }
    for (NodeAddress a : seeds) {
      nodes.add(
          ClusterNode.start(
              fast(ClusterSettings.of(a, seeds, true))
                  .withExtra(
                      ConfigFactory.parseString(
                          // terminate = crash: no graceful leave, no hand-off
                          "pekko.coordinated-shutdown.run-by-actor-system-terminate = off"))));
    }
    for (ClusterNode n : nodes) {
      assertTrue(n.awaitUp(Duration.ofSeconds(30)), "controller node joined");
    }
    int runs = 6;
    long steps = 250;
    List<RunSpec> specs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      specs.add(Runs.spec(tmp.resolve("r" + i), 300 + i, steps, RunSpec.Mode.SYNC));
      ids.add("crash-" + i);
    }
    ClusterSettings trainer =
        fast(ClusterSettings.of(new NodeAddress("127.0.0.1", 0), seeds, false));
    CompletableFuture<List<RunResult>> results =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return ClusterRuntime.runAll(specs, ids, trainer, Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (minDecided(specs) < 60 && System.nanoTime() < deadline && !results.isDone()) {
      Thread.sleep(50);
    }
    // crash the node that hosts the most of the runs' entities
    ClusterNode victim = null;
    Set<String> onVictim = Set.of();
    for (ClusterNode n : nodes) {
      Set<String> here = entities(n);
      if (here.size() > onVictim.size()) {
        victim = n;
        onVictim = here;
      }
    }
    assertTrue(victim != null && !onVictim.isEmpty(), "some node hosts the runs' entities");
    assertTrue(minDecided(specs) < steps, "the runs are still going");
    victim.system().terminate();
    victim.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    // a run that finished its last step while the node was still shutting down never needs its
    // entity again, so only the unfinished ones must show a rebuild
    Map<String, Long> decidedAtCrash = new HashMap<>();
    for (int i = 0; i < runs; i++) {
      decidedAtCrash.put(ids.get(i), (long) Runs.decisionCount(specs.get(i).dir()));
    }

    List<RunResult> done = results.get(90, TimeUnit.SECONDS);
    for (int i = 0; i < runs; i++) {
      RunResult r = done.get(i);
      assertTrue(r.completed(), ids.get(i) + ": " + r.failure());
      List<Decision> got = Runs.decisions(specs.get(i).dir());
      List<Decision> want = Runs.plainLoop(300 + i, steps);
      assertEquals(steps, got.size(), ids.get(i) + ": one decision per step, none twice");
      for (int t = 0; t < steps; t++) {
        assertNull(Runs.difference(want.get(t), got.get(t)), ids.get(i) + " step " + t);
      }
      assertTrue(Replay.verify(RunFolder.open(specs.get(i).dir())).ok(), ids.get(i));
      if (onVictim.contains(ids.get(i)) && decidedAtCrash.get(ids.get(i)) < steps) {
        assertTrue(
            restarts(specs.get(i).dir()) >= 1,
            ids.get(i) + "'s entity died with its node: its state must have been rebuilt");
      }
    }
  }

  private static long minDecided(List<RunSpec> specs) {
    long min = Long.MAX_VALUE;
    for (RunSpec s : specs) {
      min = Math.min(min, Runs.decisionCount(s.dir()));
    }
    return min;
  }

  /** The run ids whose entities the node hosts now. */
  private static Set<String> entities(ClusterNode n) throws Exception {
    ShardRegion.CurrentShardRegionState state =
        AskPattern
            .<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
                ShardRegion.CurrentShardRegionState>
                ask(
                    ClusterSharding.get(n.system()).shardState(),
                    replyTo -> new GetShardRegionState(ControllerEntity.TYPE_KEY, replyTo),
                    Duration.ofSeconds(5),
                    n.system().scheduler())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    Set<String> ids = new HashSet<>();
    for (ShardRegion.ShardState s : state.getShards()) {
      ids.addAll(s.getEntityIds());
    }
    return ids;
  }

  /** RESTART events the link recorded in the run's decision queue (one per rebuild). */
  private static int restarts(Path run) {
    return RunContents.events(run, EventKind.RESTART, true).size();
  }
}

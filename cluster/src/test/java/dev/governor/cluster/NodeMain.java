package dev.governor.cluster;

import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A node process of the multi-JVM tests.
 *
 * <ul>
 *   <li>{@code controller BIND SEEDS}: a controller node; prints {@code UP} once it is a member and
 *       runs until killed.
 *   <li>{@code trainer SEEDS DIR FIRST_SEED COUNT STEPS [resume]}: runs COUNT sync runs of the nqm
 *       plant (seeds FIRST_SEED ..) in DIR/run-SEED (created unless {@code resume}), prints one
 *       {@code RESULT} line per run and exits 0 when every run completed.
 * </ul>
 */
public final class NodeMain {
  private NodeMain() {}

  /** Fast failure handling for the tests: 1 s heartbeat pause, down after 1 s. */
  static ClusterSettings fast(ClusterSettings s) {
    return s.withFailureTimes(Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("controller")) {
      ClusterNode node =
          ClusterNode.start(
              fast(
                  ClusterSettings.of(
                      NodeAddress.parse("bind", args[1]),
                      ClusterSettings.parseSeeds("seeds", args[2]),
                      true)));
      if (!node.awaitUp(Duration.ofSeconds(60))) {
        System.out.println("NOT UP");
        System.exit(1);
      }
      System.out.println("UP " + node.address());
      System.out.flush();
      node.awaitTermination();
      return;
    }
    List<NodeAddress> seeds = ClusterSettings.parseSeeds("seeds", args[1]);
    Path dir = Path.of(args[2]);
    long first = Long.parseLong(args[3]);
    int count = Integer.parseInt(args[4]);
    long steps = Long.parseLong(args[5]);
    boolean resume = args.length > 6 && args[6].equals("resume");
    List<RunSpec> specs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long seed = first + i;
      Path run = dir.resolve("run-" + seed);
      specs.add(
          resume
              ? Runs.existingSpec(run, seed, steps, RunSpec.Mode.SYNC)
              : Runs.spec(run, seed, steps, RunSpec.Mode.SYNC));
      ids.add("run-" + seed);
    }
    Files.writeString(dir.resolve("trainer-" + first + ".started"), "");
    List<RunResult> results =
        ClusterRuntime.runAll(
            specs,
            ids,
            fast(ClusterSettings.of(new NodeAddress("127.0.0.1", 0), seeds, false)),
            Duration.ofSeconds(60));
    boolean all = true;
    for (int i = 0; i < count; i++) {
      RunResult r = results.get(i);
      all &= r.completed();
      System.out.println(
          String.format(
              Locale.ROOT,
              "RESULT %s %s timeouts=%d maxLatencyUs=%.0f p50Us=%.1f p99Us=%.1f %s",
              ids.get(i),
              r.completed() ? "completed" : "failed",
              r.timeouts(),
              r.latencyMaxMicros(),
              r.latencyP50Micros(),
              r.latencyP99Micros(),
              r.failure()));
    }
    System.out.flush();
    System.exit(all ? 0 : 1);
  }
}

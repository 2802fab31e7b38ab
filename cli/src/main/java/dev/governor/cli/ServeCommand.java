package dev.governor.cli;

import dev.governor.cluster.ClusterNode;
import dev.governor.cluster.ClusterSettings;
import dev.governor.cluster.NodeAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor serve}: a controller node of a Governor cluster (Pekko Cluster). It hosts run
 * controllers as Cluster Sharding entities keyed by run id; trainers started with {@code governor
 * train --controller cluster --cluster-seeds ...} stream their observations to them. Runs until
 * stopped (SIGINT/SIGTERM leave the cluster gracefully; a killed node's runs move to the others).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run a controller node of a Governor cluster: controllers of runs, keyed by run id, for"
          + " trainers started with 'governor train --controller cluster'. Runs until stopped.",
      "Example (three nodes on one machine): governor serve --bind 127.0.0.1:2551 --seed-nodes"
          + " 127.0.0.1:2551,127.0.0.1:2552,127.0.0.1:2553 (and the same with :2552, :2553)"
    })
public final class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      description = "This node's HOST:PORT (default 127.0.0.1:2551); loopback unless allowed.")
  String bind = "127.0.0.1:2551";

  @Option(
      names = "--seed-nodes",
      description =
          "Comma-separated HOST:PORT of the seed nodes (default: --bind alone, a one-node"
              + " cluster); every node of the cluster must list the same seeds.")
  String seedNodes;

  @Option(
      names = "--allow-non-loopback",
      description =
          "Allow a bind or seed address outside 127.0.0.0/8 and ::1. Artery TCP is neither"
              + " authenticated nor encrypted: on a real network configure Artery TLS (README).")
  boolean allowNonLoopback;

  @Option(
      names = "--down-after",
      description =
          "Milliseconds an unreachable node stays unreachable before it is downed and its runs"
              + " move (default 2000).")
  long downAfterMs = 2000;

  @Option(
      names = "--heartbeat-pause",
      description = "Failure detector's acceptable heartbeat pause in ms (default 3000).")
  long heartbeatPauseMs = 3000;

  @Override
  public Integer call() throws Exception {
    ClusterSettings settings;
    try {
      NodeAddress self = NodeAddress.parse("--bind", bind);
      List<NodeAddress> seeds =
          seedNodes == null ? List.of(self) : ClusterSettings.parseSeeds("--seed-nodes", seedNodes);
      if (!(downAfterMs > 0)) {
        throw new IllegalArgumentException("--down-after must be > 0 ms, but was " + downAfterMs);
      }
      if (!(heartbeatPauseMs > 0)) {
        throw new IllegalArgumentException(
            "--heartbeat-pause must be > 0 ms, but was " + heartbeatPauseMs);
      }
      settings =
          ClusterSettings.of(self, seeds, true)
              .withAllowNonLoopback(allowNonLoopback)
              .withFailureTimes(
                  Duration.ofMillis(downAfterMs), Duration.ofMillis(heartbeatPauseMs));
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    ClusterNode node = ClusterNode.start(settings);
    java.util.concurrent.atomic.AtomicBoolean stopping =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread leave =
        new Thread(
            () -> {
              stopping.set(true);
              node.close();
            },
            "governor-serve-leave");
    Runtime.getRuntime().addShutdownHook(leave);
    if (!node.awaitUp(Duration.ofSeconds(60))) {
      out.println(
          "serve: not yet a member after 60 s (seed nodes " + settings.seeds() + "); still trying");
      out.flush();
    }
    out.println(
        "serve: controller node "
            + node.address()
            + " is up; seeds "
            + settings.seeds()
            + "; stop with Ctrl-C");
    out.flush();
    node.awaitTermination();
    if (stopping.get()) {
      return 0;
    }
    spec.commandLine()
        .getErr()
        .println(
            "serve: node "
                + settings.bind()
                + " was removed from the cluster (downed: unreachable for longer than"
                + " --heartbeat-pause + --down-after); its runs moved to the other nodes");
    spec.commandLine().getErr().flush();
    return Main.EXIT_CHECK_FAILED;
  }
}

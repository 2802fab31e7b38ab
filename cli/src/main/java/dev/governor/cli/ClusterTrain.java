package dev.governor.cli;

import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.cluster.ClusterRuntime;
import dev.governor.cluster.ClusterSettings;
import dev.governor.cluster.NodeAddress;
import java.time.Duration;
import java.util.List;

/**
 * {@code governor train --controller cluster}: the run's trainer joins a Governor cluster as a
 * trainer node and its controller is the cluster's entity for the run id (see {@code governor
 * serve}).
 */
final class ClusterTrain {
  private ClusterTrain() {}

  /** How long a trainer waits to join the cluster. */
  static final Duration JOIN_LIMIT = Duration.ofSeconds(60);

  /**
   * The trainer node's settings from the train flags.
   *
   * @throws UserException naming the flag and value when one is bad or missing
   */
  static ClusterSettings settings(String seeds, String bind, boolean allowNonLoopback) {
    if (seeds == null) {
      throw new UserException(
          "--controller cluster needs --cluster-seeds HOST:PORT[,HOST:PORT...], but none was"
              + " given");
    }
    try {
      return ClusterSettings.of(
              NodeAddress.parse("--cluster-bind", bind),
              ClusterSettings.parseSeeds("--cluster-seeds", seeds),
              false)
          .withAllowNonLoopback(allowNonLoopback);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage(), e);
    }
  }

  /** Runs {@code spec} (placement external) under the run id {@code runId} on the cluster. */
  static RunResult run(RunSpec spec, String runId, ClusterSettings settings)
      throws InterruptedException {
    try {
      return ClusterRuntime.runAll(List.of(spec), List.of(runId), settings, JOIN_LIMIT).get(0);
    } catch (IllegalStateException e) {
      throw new UserException("train: " + e.getMessage(), e);
    }
  }
}

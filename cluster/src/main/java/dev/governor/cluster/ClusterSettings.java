package dev.governor.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.governor.actors.ActorRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a node joins a Governor cluster: its own address, the seed nodes, whether it hosts
 * controllers, and the failure-handling times. Immutable and validated; every node of a cluster
 * must agree on {@link #SYSTEM} and on the seed list.
 *
 * <p><b>Security.</b> Nodes bind loopback only unless {@code allowNonLoopback} is set (the {@code
 * --allow-non-loopback} flag): Artery TCP is unauthenticated and unencrypted, so a node on a real
 * network needs Artery's TLS transport ({@code pekko.remote.artery.transport = tls-tcp} with a key
 * store and trust store, see the README); pass it through {@code extra}.
 *
 * @param bind this node's address (port 0 = any free port, e.g. for a trainer)
 * @param seeds the seed nodes' addresses (may include {@code bind}); at least one
 * @param controller whether this node hosts controller entities (role {@code controller}) or only
 *     talks to them (role {@code trainer})
 * @param allowNonLoopback allow addresses outside the loopback range
 * @param downAfter how long an unreachable member must stay unreachable before the split-brain
 *     resolver downs it (keep-majority among controller nodes) and its entities move
 * @param heartbeatPause the failure detector's acceptable heartbeat pause
 * @param extra configuration that overrides the built one (e.g. TLS), may be empty
 */
public record ClusterSettings(
    NodeAddress bind,
    List<NodeAddress> seeds,
    boolean controller,
    boolean allowNonLoopback,
    Duration downAfter,
    Duration heartbeatPause,
    Config extra) {

  /** The actor system name every node of a Governor cluster uses. */
  public static final String SYSTEM = "governor";

  /** The role of nodes hosting controller entities. */
  public static final String CONTROLLER_ROLE = "controller";

  /** The role of nodes running trainers. */
  public static final String TRAINER_ROLE = "trainer";

  /**
   * How often a shard region or proxy repeats an unanswered request to the shard coordinator (a
   * shard's home, its registration): after a failover, how long past the removal margin a run may
   * wait for its entity's new home.
   */
  public static final Duration SHARD_RETRY = Duration.ofMillis(200);

  /** Validates; names the bad value. */
  public ClusterSettings {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(downAfter, "downAfter");
    Objects.requireNonNull(heartbeatPause, "heartbeatPause");
    Objects.requireNonNull(extra, "extra");
    seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("seed nodes must name at least one HOST:PORT, but none");
    }
    if (!allowNonLoopback) {
      if (!bind.isLoopback()) {
        throw new IllegalArgumentException(
            "bind address must be loopback (127.0.0.0/8, ::1, localhost) unless"
                + " --allow-non-loopback is given, but was "
                + bind);
      }
      for (NodeAddress s : seeds) {
        if (!s.isLoopback()) {
          throw new IllegalArgumentException(
              "seed node must be loopback (127.0.0.0/8, ::1, localhost) unless"
                  + " --allow-non-loopback is given, but was "
                  + s);
        }
      }
    }
    for (NodeAddress s : seeds) {
      if (s.port() == 0) {
        throw new IllegalArgumentException("seed node port must be in [1, 65535], but was " + s);
      }
    }
    if (downAfter.isNegative() || downAfter.isZero()) {
      throw new IllegalArgumentException("downAfter must be > 0, but was " + downAfter);
    }
    if (heartbeatPause.isNegative() || heartbeatPause.isZero()) {
      throw new IllegalArgumentException("heartbeatPause must be > 0, but was " + heartbeatPause);
    }
  }

  /** Settings with the default failure handling (down after 2 s, heartbeat pause 3 s). */
  public static ClusterSettings of(NodeAddress bind, List<NodeAddress> seeds, boolean controller) {
    return new ClusterSettings(
        bind,
        seeds,
        controller,
        false,
        Duration.ofSeconds(2),
        Duration.ofSeconds(3),
        ConfigFactory.empty());
  }

  /** A copy that allows (or not) addresses outside the loopback range. */
  public ClusterSettings withAllowNonLoopback(boolean allow) {
    return new ClusterSettings(bind, seeds, controller, allow, downAfter, heartbeatPause, extra);
  }

  /** A copy with other failure-handling times. */
  public ClusterSettings withFailureTimes(Duration newDownAfter, Duration newHeartbeatPause) {
    return new ClusterSettings(
        bind, seeds, controller, allowNonLoopback, newDownAfter, newHeartbeatPause, extra);
  }

  /** A copy with configuration overriding the built one. */
  public ClusterSettings withExtra(Config newExtra) {
    return new ClusterSettings(
        bind, seeds, controller, allowNonLoopback, downAfter, heartbeatPause, newExtra);
  }

  /**
   * The time from a node's death to its removal from the cluster, after which its entities start
   * elsewhere: the heartbeat pause until it is unreachable, then {@code downAfter} until the
   * split-brain resolver downs it, then the removal margin (which the resolver sets to the same
   * {@code downAfter}, so that a node on the other side of a partition stops its entities first).
   */
  public Duration failureDetectionTime() {
    return heartbeatPause.plus(downAfter).plus(downAfter);
  }

  /** Parses a comma-separated seed list ({@code HOST:PORT,HOST:PORT}). */
  public static List<NodeAddress> parseSeeds(String what, String text) {
    List<NodeAddress> out = new ArrayList<>();
    if (text != null) {
      for (String s : text.split(",")) {
        if (!s.isBlank()) {
          out.add(NodeAddress.parse(what, s));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          what + " must name at least one HOST:PORT, but was '" + text + "'");
    }
    return out;
  }

  /** The actor system configuration of this node. */
  public Config config() {
    List<String> seedUris = new ArrayList<>();
    for (NodeAddress s : seeds) {
      seedUris.add("\"pekko://" + SYSTEM + "@" + s.uriHost() + ":" + s.port() + "\"");
    }
    String role = controller ? CONTROLLER_ROLE : TRAINER_ROLE;
    String c =
        String.join(
            "\n",
            "pekko.actor.provider = cluster",
            "pekko.remote.artery.canonical.hostname = \"" + bind.host() + "\"",
            "pekko.remote.artery.canonical.port = " + bind.port(),
            "pekko.remote.artery.advanced.maximum-frame-size = 4MiB",
            "pekko.remote.artery.advanced.buffer-pool-size = 128",
            "pekko.cluster.seed-nodes = [" + String.join(",", seedUris) + "]",
            "pekko.cluster.roles = [" + role + "]",
            "pekko.cluster.jmx.enabled = off",
            "pekko.cluster.log-info-verbose = off",
            "pekko.cluster.downing-provider-class ="
                + " \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
            "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
            "pekko.cluster.split-brain-resolver.keep-majority.role = " + CONTROLLER_ROLE,
            "pekko.cluster.split-brain-resolver.stable-after = " + downAfter.toMillis() + "ms",
            "pekko.cluster.failure-detector.acceptable-heartbeat-pause = "
                + heartbeatPause.toMillis()
                + "ms",
            "pekko.cluster.sharding.number-of-shards = 64",
            // a region or proxy asks the coordinator again for a shard's new home after this; the
            // coordinator ignores the request while the dead node's removal margin runs, so with
            // Pekko's default of 2 s the first decision after a failover can come 2 s past it
            "pekko.cluster.sharding.retry-interval = " + SHARD_RETRY.toMillis() + "ms",
            "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout = 10m",
            // after a failover the new entity gets the unconfirmed observations within ~0.5 s
            // (Pekko's defaults wait 10 s and 2 s, which would dominate the failover time)
            "pekko.reliable-delivery.sharding.producer-controller"
                + ".resend-first-unconfirmed-idle-timeout = 500ms",
            "pekko.reliable-delivery.consumer-controller.resend-interval-min = 500ms",
            "pekko.reliable-delivery.sharding.consumer-controller.resend-interval-min = 500ms",
            "pekko.actor.serializers.governor = \"" + WireSerializer.class.getName() + "\"",
            "pekko.actor.serialization-bindings {",
            "  \"" + WireMessage.class.getName() + "\" = governor",
            "}");
    return extra.withFallback(ConfigFactory.parseString(c)).withFallback(ActorRuntime.config());
  }
}

package dev.governor.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * One node of a Governor cluster: an actor system with Cluster Sharding of the {@link
 * ControllerEntity controller entities}. A controller node ({@link ClusterSettings#controller()})
 * hosts entities; a trainer node only reaches them (a sharding proxy). Entities rebalance as
 * controller nodes join and leave; a node that becomes unreachable is downed by the split-brain
 * resolver (keep-majority among controller nodes) after {@link ClusterSettings#downAfter()}, and
 * its entities start again on the others.
 */
public final class ClusterNode implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final ActorRef<
          ShardingEnvelope<ConsumerController.SequencedMessage<ControllerEntity.Command>>>
      region;
  private final CompletableFuture<Void> up = new CompletableFuture<>();

  private ClusterNode(ClusterSettings settings) {
    this.system = ActorSystem.create(Behaviors.empty(), ClusterSettings.SYSTEM, settings.config());
    this.region = initSharding(system);
    ActorRef<SelfUp> upListener =
        system.systemActorOf(
            Behaviors.receive(SelfUp.class)
                .onMessage(
                    SelfUp.class,
                    m -> {
                      up.complete(null);
                      return Behaviors.stopped();
                    })
                .build(),
            "governor-self-up",
            org.apache.pekko.actor.typed.Props.empty());
    Cluster.get(system).subscriptions().tell(Subscribe.create(upListener, SelfUp.class));
  }

  /** Starts a node and begins joining the cluster through the seed nodes. */
  public static ClusterNode start(ClusterSettings settings) {
    return new ClusterNode(settings);
  }

  /** Initializes (or looks up) the controllers' sharding on {@code system}. */
  static ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<ControllerEntity.Command>>>
      initSharding(ActorSystem<?> system) {
    return ClusterSharding.get(system)
        .init(
            Entity.of(ControllerEntity.TYPE_KEY, ctx -> ControllerEntity.sharded(ctx.getEntityId()))
                .withRole(ClusterSettings.CONTROLLER_ROLE));
  }

  /** The actor system. */
  public ActorSystem<Void> system() {
    return system;
  }

  /** The controllers' shard region on this node (a proxy on a trainer node). */
  public ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<ControllerEntity.Command>>>
      region() {
    return region;
  }

  /** This node's address as bound (the actual port when 0 was asked for). */
  public NodeAddress address() {
    Address a = Cluster.get(system).selfMember().address();
    return new NodeAddress(a.getHost().get(), a.getPort().get());
  }

  /**
   * Waits until this node is a member with status Up.
   *
   * @return false when {@code limit} passed first
   * @throws InterruptedException when interrupted
   */
  public boolean awaitUp(Duration limit) throws InterruptedException {
    try {
      up.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return Cluster.get(system).selfMember().status() == MemberStatus.up();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cluster join failed: " + e.getCause(), e.getCause());
    }
  }

  /** Waits until the actor system has terminated (a node that left or was downed). */
  public void awaitTermination() throws InterruptedException {
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("actor system failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Leaves the cluster gracefully (its entities move to the other controller nodes) and terminates,
   * waiting at most 30 s.
   */
  @Override
  public void close() {
    try {
      CoordinatedShutdown.get(system)
          .runAll(CoordinatedShutdown.unknownReason())
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      system.terminate();
    } catch (ExecutionException | TimeoutException e) {
      system.terminate();
    }
  }
}

package dev.governor.cluster;

import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.actors.RunSupervisor;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import dev.governor.telemetry.RunFolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * Runs training runs on a trainer node whose controllers live on a Governor cluster: each run's
 * {@code TrainerActor} and supervisor run here (placement {@code REMOTE}), and a {@link
 * TrainerLink} per run carries observations to the run's {@link ControllerEntity} and its decisions
 * back into the run's decision queue and, as messages, to the trainer. The run folders stay on this
 * machine and are complete run folders ({@code replay --verify} reads them as any other).
 */
public final class ClusterRuntime {
  private ClusterRuntime() {}

  /**
   * Joins the cluster as a trainer node, runs every run (each under its run id, the entity id),
   * leaves the cluster and returns the results in the order given.
   *
   * @param specs the runs; placement {@code EXTERNAL} or {@code REMOTE} (run as {@code REMOTE}), an
   *     existing run folder and a folder of its own
   * @param runIds the runs' ids, one per spec, distinct
   * @param settings the trainer node's settings (not a controller node)
   * @param joinLimit how long to wait to join the cluster
   * @throws IllegalArgumentException when the arguments do not fit (names the first problem)
   * @throws IllegalStateException when the node cannot join within {@code joinLimit}
   * @throws InterruptedException when interrupted
   */
  public static List<RunResult> runAll(
      List<RunSpec> specs, List<String> runIds, ClusterSettings settings, Duration joinLimit)
      throws InterruptedException {
    if (specs.size() != runIds.size()) {
      throw new IllegalArgumentException(
          "runIds must have one id per spec (" + specs.size() + "), but had " + runIds.size());
    }
    if (new HashSet<>(runIds).size() != runIds.size()) {
      throw new IllegalArgumentException("run ids must be distinct, but two are equal: " + runIds);
    }
    if (settings.controller()) {
      throw new IllegalArgumentException("a trainer node's settings must not be a controller's");
    }
    for (RunSpec s : specs) {
      if (s.controller() == RunSpec.ControllerPlacement.IN_PROCESS) {
        throw new IllegalArgumentException(
            "cluster runs need controller placement EXTERNAL or REMOTE, but "
                + s.dir()
                + " had "
                + s.controller());
      }
      // create both queues before the actors open them concurrently
      RunFolder f = RunFolder.open(s.dir());
      f.openTelemetry().close();
      f.openDecisions().close();
    }
    ClusterNode node = ClusterNode.start(settings);
    try {
      if (!node.awaitUp(joinLimit)) {
        throw new IllegalStateException(
            "could not join the cluster through the seed nodes "
                + settings.seeds()
                + " within "
                + joinLimit.toSeconds()
                + " s");
      }
      CompletableFuture<List<RunResult>> done = new CompletableFuture<>();
      // a trainer node the cluster removed (downed, e.g. after a long pause) cannot reach its
      // controllers any more: fail instead of waiting on every run's decision time-out
      node.system()
          .getWhenTerminated()
          .thenRun(
              () ->
                  done.completeExceptionally(
                      new IllegalStateException(
                          "this trainer node left the cluster before the runs ended (it was"
                              + " downed or shut down); resume the runs with --resume")));
      node.system()
          .systemActorOf(
              guardian(
                  specs,
                  runIds,
                  node.region(),
                  settings.failureDetectionTime().plusSeconds(3),
                  done),
              "governor-runs",
              org.apache.pekko.actor.typed.Props.empty());
      try {
        return done.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("cluster runtime failed: " + e.getCause(), e.getCause());
      }
    } finally {
      node.close();
    }
  }

  private sealed interface Msg {}

  private record Result(RunResult r) implements Msg {}

  private record LinkFailed(TrainerLink.Failed f) implements Msg {}

  private static Behavior<Msg> guardian(
      List<RunSpec> specs,
      List<String> runIds,
      ActorRef<ShardingEnvelope<ConsumerController.SequencedMessage<ControllerEntity.Command>>>
          region,
      Duration refusalGrace,
      CompletableFuture<List<RunResult>> done) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<RunResult> results = ctx.messageAdapter(RunResult.class, Result::new);
          ActorRef<TrainerLink.Failed> failures =
              ctx.messageAdapter(TrainerLink.Failed.class, LinkFailed::new);
          Map<String, Integer> index = new HashMap<>();
          List<ActorRef<TrainerLink.Command>> links = new ArrayList<>();
          List<ActorRef<RunSupervisor.Command>> supervisors = new ArrayList<>();
          for (int i = 0; i < specs.size(); i++) {
            RunSpec s = specs.get(i);
            String id = runIds.get(i);
            index.put(id, i);
            ActorRef<TrainerLink.Command> link =
                ctx.spawn(
                    TrainerLink.create(
                        id,
                        s.dir(),
                        s.policy().toString(),
                        s.snapshotEvery(),
                        region,
                        failures,
                        refusalGrace),
                    "link-" + i);
            ctx.watch(link);
            links.add(link);
            ActorRef<RunSupervisor.Command> supervisor =
                ctx.spawn(
                    RunSupervisor.createTelling(
                        withLink(s, link), results, t -> link.tell(new TrainerLink.TrainerRef(t))),
                    "run-" + i);
            ctx.watch(supervisor);
            supervisors.add(supervisor);
          }
          return running(ctx, specs, index, links, supervisors, done);
        });
  }

  private static Behavior<Msg> running(
      ActorContext<Msg> ctx,
      List<RunSpec> specs,
      Map<String, Integer> index,
      List<ActorRef<TrainerLink.Command>> links,
      List<ActorRef<RunSupervisor.Command>> supervisors,
      CompletableFuture<List<RunResult>> done) {
    RunResult[] out = new RunResult[specs.size()];
    Set<ActorRef<?>> linksLeft = new HashSet<>(links);
    int[] resultsLeft = {specs.size()};
    Runnable check =
        () -> {
          if (resultsLeft[0] == 0 && linksLeft.isEmpty()) {
            done.complete(Collections.unmodifiableList(List.of(out)));
          }
        };
    return Behaviors.receive(Msg.class)
        .onMessage(
            Result.class,
            m -> {
              int i = indexOf(specs, m.r());
              if (i >= 0 && out[i] == null) {
                out[i] = m.r();
                resultsLeft[0]--;
                long last = m.r().last() == null ? -1 : m.r().last().step();
                if (m.r().completed()) {
                  links.get(i).tell(new TrainerLink.Finish(last));
                } else {
                  ctx.stop(links.get(i));
                }
              }
              check.run();
              return Behaviors.same();
            })
        .onMessage(
            LinkFailed.class,
            m -> {
              Integer i = index.get(m.f().runId());
              if (i != null && out[i] == null) {
                ctx.stop(supervisors.get(i));
                ctx.stop(links.get(i));
                out[i] = failed(specs.get(i), m.f().reason());
                resultsLeft[0]--;
              }
              check.run();
              return Behaviors.same();
            })
        .onSignal(
            Terminated.class,
            t -> {
              // a link or a supervisor that stops before its run has a result (it failed, e.g.
              // when its run folder could not be opened) fails that run at once: without its link
              // the trainer would wait out the decision time-out at every step, without its
              // supervisor the run would never report
              int i = links.indexOf(t.getRef());
              boolean link = i >= 0;
              if (!link) {
                i = supervisors.indexOf(t.getRef());
              }
              if (i >= 0 && out[i] == null) {
                String why =
                    t instanceof ChildFailed f ? ": " + f.getCause() : " before the run ended";
                out[i] =
                    failed(
                        specs.get(i),
                        (link ? "the link to the run's controller" : "the run's supervisor")
                            + " stopped"
                            + why);
                resultsLeft[0]--;
                if (link) {
                  ctx.stop(supervisors.get(i));
                } else {
                  ctx.stop(links.get(i));
                }
              }
              linksLeft.remove(t.getRef());
              check.run();
              return done.isDone() ? Behaviors.stopped() : Behaviors.same();
            })
        .build();
  }

  private static int indexOf(List<RunSpec> specs, RunResult r) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).dir().equals(r.dir())) {
        return i;
      }
    }
    return -1;
  }

  private static RunResult failed(RunSpec s, String reason) {
    return new RunResult(
        s.dir(),
        false,
        reason,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        0,
        null);
  }

  /**
   * The spec with a progress callback that also tells the link of each appended observation (with
   * the ranks' observations of a {@link RankedTrainer}, read on the trainer's thread right after
   * its step).
   */
  private static RunSpec withLink(RunSpec s, ActorRef<TrainerLink.Command> link) {
    LongConsumer user = s.progress();
    AtomicReference<Trainer> plant = new AtomicReference<>();
    Supplier<Trainer> plants =
        () -> {
          Trainer t = s.trainer().get();
          plant.set(t);
          return t;
        };
    LongConsumer both =
        n -> {
          boolean ranked = plant.get() instanceof RankedTrainer r && r.ranks() > 1;
          List<Observation> ranks =
              ranked ? ((RankedTrainer) plant.get()).rankObservations() : List.of();
          int expected = ranked ? ((RankedTrainer) plant.get()).ranks() : 0;
          link.tell(new TrainerLink.Appended(n - 1, ranks, expected));
          user.accept(n);
        };
    return new RunSpec(
        s.dir(),
        plants,
        s.policy(),
        s.policyFactory(),
        s.steps(),
        s.mode(),
        RunSpec.ControllerPlacement.REMOTE,
        s.decisionTimeout(),
        s.checkpointEvery(),
        s.snapshotEvery(),
        s.maxRestarts(),
        s.restartWindow(),
        both);
  }
}

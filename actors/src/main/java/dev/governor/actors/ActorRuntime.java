package dev.governor.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.governor.control.Policy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Entry points of the actor runtime for callers outside an actor system (the CLI, benchmarks): run
 * one or several runs in one {@link ActorSystem}, or an out-of-process controller. Each call
 * creates its actor system and terminates it before returning.
 */
public final class ActorRuntime {
  private ActorRuntime() {}

  /** The actor system configuration: SLF4J logging, no JVM exit, our dispatchers. */
  public static Config config() {
    // initialize SLF4J on this thread first, so no log call is caught mid-initialization
    org.slf4j.LoggerFactory.getILoggerFactory();
    return ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
                "pekko.loglevel = INFO",
                "pekko.log-dead-letters = off",
                "pekko.log-dead-letters-during-shutdown = off",
                "pekko.coordinated-shutdown.exit-jvm = off",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"))
        .withFallback(ConfigFactory.load());
  }

  /**
   * Runs one run and returns how it ended.
   *
   * @throws InterruptedException when interrupted while waiting
   */
  public static RunResult run(RunSpec spec) throws InterruptedException {
    return runAll(List.of(spec)).get(0);
  }

  /**
   * Runs several runs at once in one actor system (each with its own folder, queues and actors) and
   * returns their results in the order given.
   *
   * @throws IllegalArgumentException when two specs share a run folder
   * @throws InterruptedException when interrupted while waiting
   */
  public static List<RunResult> runAll(List<RunSpec> specs) throws InterruptedException {
    if (specs.stream().map(s -> s.dir().toAbsolutePath().normalize()).distinct().count()
        != specs.size()) {
      throw new IllegalArgumentException("runs must have distinct folders, but two share one");
    }
    CompletableFuture<List<RunResult>> done = new CompletableFuture<>();
    ActorSystem<RunResult> system = ActorSystem.create(collect(specs, done), "governor", config());
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("actor runtime failed: " + e.getCause(), e.getCause());
    } finally {
      system.terminate();
      awaitTermination(system);
    }
  }

  /** A guardian that spawns a supervisor per run and completes {@code done} with all results. */
  private static Behavior<RunResult> collect(
      List<RunSpec> specs, CompletableFuture<List<RunResult>> done) {
    return Behaviors.setup(
        ctx -> {
          List<Path> order = new ArrayList<>();
          for (int i = 0; i < specs.size(); i++) {
            RunSpec s = specs.get(i);
            order.add(s.dir());
            ctx.spawn(RunSupervisor.create(s, ctx.getSelf()), "run-" + i);
          }
          RunResult[] results = new RunResult[specs.size()];
          int[] remaining = {specs.size()};
          return Behaviors.receive(RunResult.class)
              .onMessage(
                  RunResult.class,
                  r -> {
                    results[order.indexOf(r.dir())] = r;
                    if (--remaining[0] == 0) {
                      done.complete(Collections.unmodifiableList(List.of(results)));
                      return Behaviors.stopped();
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /**
   * Runs a controller against the run folder {@code dir} until the run has ended and every
   * observation has its decision (the {@code governor control} command).
   *
   * @param dir an existing run folder
   * @param policies makes the run's policy with fresh state
   * @param snapshotEvery policy snapshot period in steps (0 = none)
   * @param limit how long to run at most
   * @return true when the run ended and was fully decided, false when {@code limit} passed first
   * @throws InterruptedException when interrupted while waiting
   */
  public static boolean control(
      Path dir, Supplier<? extends Policy> policies, long snapshotEvery, Duration limit)
      throws InterruptedException {
    // the trainer may be creating the queues right now: wait until they open
    TelemetryRunLog.openWhenReady(dir, Duration.ofSeconds(10)).close();
    CompletableFuture<Throwable> stopped = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicReference<String> diskFull =
        new java.util.concurrent.atomic.AtomicReference<>();
    Behavior<Void> guardian =
        Behaviors.setup(
            ctx -> {
              ActorRef<ControllerActor.Command> c =
                  ctx.spawn(
                      DiskFullGuard.guard(
                          ControllerActor.Command.class,
                          diskFull,
                          ControllerActor.polling(dir, policies, snapshotEvery)),
                      "controller",
                      DispatcherSelector.fromConfig(RunSupervisor.TRAINER_DISPATCHER));
              ctx.watch(c);
              return Behaviors.receive(Void.class)
                  .onSignal(
                      Terminated.class,
                      t -> {
                        stopped.complete(
                            t instanceof org.apache.pekko.actor.typed.ChildFailed f
                                ? f.getCause()
                                : diskFull.get() != null
                                    ? new dev.governor.telemetry.DiskFullException(diskFull.get())
                                    : null);
                        return Behaviors.stopped();
                      })
                  .build();
            });
    ActorSystem<Void> system = ActorSystem.create(guardian, "governor-control", config());
    try {
      Throwable failure = stopped.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      if (failure != null) {
        throw failure instanceof RuntimeException r
            ? r
            : new IllegalStateException("controller failed: " + failure, failure);
      }
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("controller failed: " + e.getCause(), e.getCause());
    } finally {
      system.terminate();
      awaitTermination(system);
    }
  }

  private static void awaitTermination(ActorSystem<?> system) throws InterruptedException {
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("actor system did not terminate: " + e, e);
    }
  }
}

package dev.governor.bench;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunResult;
import dev.governor.actors.RunSpec;
import dev.governor.cluster.ClusterNode;
import dev.governor.cluster.ClusterRuntime;
import dev.governor.cluster.ClusterSettings;
import dev.governor.cluster.NodeAddress;
import dev.governor.control.PolicySpec;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Governor's controllers on a Pekko Cluster over loopback: three controller nodes ({@code governor
 * serve}, one JVM each) and the trainers in this JVM (one trainer node). Measured in one run:
 *
 * <ul>
 *   <li><b>fleet</b>: R concurrent sync runs of the nqm plant under {@code pi}; decisions per
 *       second (all runs' decisions over the span from the first step to the last) and the loop
 *       latency p50/p99 over every step of every run (the trainer's LATENCY events: observation
 *       appended → decision applied);
 *   <li><b>single</b>: one run on the cluster vs the same run with the single-machine external
 *       controller ({@code governor control} in another JVM); p99 ratio;
 *   <li><b>failover</b>: runs in flight when one controller node is killed with SIGKILL; the
 *       longest loop latency of any run (the step waiting across the failover) vs the
 *       failure-detection time (heartbeat pause + down-after + the removal margin, 3 + 2 + 2 s by
 *       default); an observer node records when the killed node became unreachable and when it was
 *       removed.
 * </ul>
 */
final class ClusterBench {
  private ClusterBench() {}

  static final PolicySpec PI = PolicySpec.parse("pi");
  static final Duration DETECTION_PAUSE = Duration.ofSeconds(3);
  static final Duration DOWN_AFTER = Duration.ofSeconds(2);

  record Result(
      int fleetRuns,
      long fleetDecisions,
      boolean fleetCompleted,
      double decisionsPerSecond,
      double fleetP50us,
      double fleetP99us,
      double singleP50us,
      double singleP99us,
      double externalP50us,
      double externalP99us,
      double failoverSeconds,
      double failureDetectionSeconds,
      double unreachableAfterSeconds,
      double removedAfterSeconds,
      double removalMarginSeconds,
      boolean failoverCompleted) {

    /**
     * The failure-detection time as observed: from the kill until the cluster removed the node,
     * plus the removal margin the shard coordinator waits before it moves the node's shards. NaN
     * when the removal was not seen.
     */
    double observedDetectionSeconds() {
      return removedAfterSeconds + removalMarginSeconds;
    }
  }

  /**
   * Runs the measurements.
   *
   * @param quick shorter runs
   * @param fleet also the fleet and the single-run comparison (else only the failover; their
   *     figures are NaN / 0)
   */
  static Result measure(boolean quick, boolean fleet) throws Exception {
    Path tmp = Files.createTempDirectory("governor-bench-cluster");
    List<Process> processes = new ArrayList<>();
    try {
      int[] ports = {freePort(), freePort(), freePort()};
      String seeds = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
      List<Process> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Path log = tmp.resolve("serve-" + i + ".log");
        nodes.add(
            start(
                processes,
                log,
                "serve",
                "--bind",
                "127.0.0.1:" + ports[i],
                "--seed-nodes",
                seeds,
                "--down-after",
                Long.toString(DOWN_AFTER.toMillis()),
                "--heartbeat-pause",
                Long.toString(DETECTION_PAUSE.toMillis())));
      }
      for (int i = 0; i < 3; i++) {
        awaitLine(tmp.resolve("serve-" + i + ".log"), "is up", 90);
      }
      ClusterSettings trainer =
          ClusterSettings.of(
                  new NodeAddress("127.0.0.1", 0),
                  ClusterSettings.parseSeeds("seeds", seeds),
                  false)
              .withFailureTimes(DOWN_AFTER, DETECTION_PAUSE);

      RunResult extResult = null;
      RunResult clusterOne = null;
      boolean fleetOk = false;
      Histogram h = new Histogram(3);
      long decisions = 0;
      double span = Double.NaN;
      int runs = 200;
      if (fleet) {
        // single run: external controller process vs cluster
        long singleSteps = quick ? 2000 : 5000;
        Path ext = tmp.resolve("external");
        RunSpec extSpec = spec(ext, 1, singleSteps, RunSpec.ControllerPlacement.EXTERNAL, s -> {});
        start(processes, tmp.resolve("control.log"), "control", "--run", ext.toString());
        extResult = ActorRuntime.run(extSpec);
        Path one = tmp.resolve("single");
        clusterOne =
            ClusterRuntime.runAll(
                    List.of(
                        spec(one, 1, singleSteps, RunSpec.ControllerPlacement.EXTERNAL, s -> {})),
                    List.of("bench-single"),
                    trainer,
                    Duration.ofSeconds(60))
                .get(0);

        // fleet
        long steps = quick ? 100 : 400;
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong(Long.MIN_VALUE);
        LongConsumer marks =
            done -> {
              long now = System.nanoTime();
              if (done == 1) {
                first.accumulateAndGet(now, Math::min);
              }
              last.accumulateAndGet(now, Math::max);
            };
        List<RunSpec> fleetSpecs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          fleetSpecs.add(
              spec(
                  tmp.resolve("fleet-" + i),
                  100 + i,
                  steps,
                  RunSpec.ControllerPlacement.EXTERNAL,
                  marks));
          ids.add("bench-fleet-" + i);
        }
        List<RunResult> fleetResults =
            ClusterRuntime.runAll(fleetSpecs, ids, trainer, Duration.ofSeconds(60));
        fleetOk = fleetResults.stream().allMatch(RunResult::completed);
        for (RunSpec s : fleetSpecs) {
          decisions += latencies(s.dir(), h);
        }
        span = (last.get() - first.get()) / 1e9;
      }

      // failover: kill one controller node while runs are in flight
      int fRuns = quick ? 12 : 24;
      long fSteps = quick ? 4000 : 8000;
      List<RunSpec> fo = new ArrayList<>();
      List<String> foIds = new ArrayList<>();
      AtomicLong progressed = new AtomicLong();
      for (int i = 0; i < fRuns; i++) {
        fo.add(
            spec(
                tmp.resolve("failover-" + i),
                500 + i,
                fSteps,
                RunSpec.ControllerPlacement.EXTERNAL,
                d -> progressed.incrementAndGet()));
        foIds.add("bench-failover-" + i);
      }
      // an observer node notes when the killed node becomes unreachable and when it is removed
      ClusterNode observer = ClusterNode.start(trainer);
      observer.awaitUp(Duration.ofSeconds(60));
      AtomicLong killedAt = new AtomicLong();
      AtomicLong unreachableAt = new AtomicLong();
      AtomicLong removedAt = new AtomicLong();
      int killedPort = ports[1];
      ActorRef<ClusterEvent.ClusterDomainEvent> watch =
          observer
              .system()
              .systemActorOf(
                  Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
                      .onAnyMessage(
                          e -> {
                            long now = System.nanoTime();
                            if (e instanceof ClusterEvent.UnreachableMember u
                                && portOf(u.member()) == killedPort) {
                              unreachableAt.compareAndSet(0, now);
                            } else if (e instanceof ClusterEvent.MemberRemoved r
                                && portOf(r.member()) == killedPort) {
                              removedAt.compareAndSet(0, now);
                            }
                            return Behaviors.same();
                          })
                      .build(),
                  "bench-watch",
                  Props.empty());
      Cluster.get(observer.system())
          .subscriptions()
          .tell(Subscribe.create(watch, ClusterEvent.ClusterDomainEvent.class));
      Thread killer =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (progressed.get() < fRuns * 200L && System.nanoTime() < deadline) {
                  sleep(10);
                }
                killedAt.set(System.nanoTime());
                nodes.get(1).destroyForcibly();
              },
              "bench-killer");
      killer.start();
      List<RunResult> foResults = ClusterRuntime.runAll(fo, foIds, trainer, Duration.ofSeconds(60));
      killer.join();
      observer.close();
      double failover = 0;
      for (RunResult r : foResults) {
        failover = Math.max(failover, r.latencyMaxMicros() / 1e6);
      }
      return new Result(
          fleet ? runs : 0,
          decisions,
          fleetOk,
          decisions / span,
          fleet ? h.getValueAtPercentile(50) / 1e3 : Double.NaN,
          fleet ? h.getValueAtPercentile(99) / 1e3 : Double.NaN,
          fleet ? clusterOne.latencyP50Micros() : Double.NaN,
          fleet ? clusterOne.latencyP99Micros() : Double.NaN,
          fleet ? extResult.latencyP50Micros() : Double.NaN,
          fleet ? extResult.latencyP99Micros() : Double.NaN,
          failover,
          trainer.failureDetectionTime().toMillis() / 1e3,
          unreachableAt.get() == 0 ? Double.NaN : (unreachableAt.get() - killedAt.get()) / 1e9,
          removedAt.get() == 0 ? Double.NaN : (removedAt.get() - killedAt.get()) / 1e9,
          DOWN_AFTER.toMillis() / 1e3, // the resolver's removal margin is its stable-after
          foResults.stream().allMatch(RunResult::completed));
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
      }
      for (Process p : processes) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
      Files2.deleteTree(tmp);
    }
  }

  private static int portOf(Member m) {
    return m.address().getPort().orElse(-1);
  }

  private static RunSpec spec(
      Path dir, long seed, long steps, RunSpec.ControllerPlacement where, LongConsumer progress) {
    RunFolder.create(dir, RunHeader.of(dir.getFileName().toString(), PI, java.util.Map.of(), seed));
    return RunSpec.builder(
            dir,
            () -> SimulatedTrainer.of(SimulatedTrainer.Config.parse("nqm(dim=20)", "sgd", seed)),
            PI,
            steps)
        .controller(where)
        .decisionTimeout(Duration.ofSeconds(60))
        .checkpointEvery(0)
        .snapshotEvery(100)
        .progress(progress)
        .build();
  }

  /** Adds the run's loop latencies (ns) to {@code h}; returns how many there were. */
  private static long latencies(Path dir, Histogram h) {
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir.resolve("telemetry"));
        Stream<Event> events = log.events()) {
      long[] latencies =
          events
              .filter(e -> e.kind() == EventKind.LATENCY && e.detail() >= 0)
              .mapToLong(e -> (long) e.detail())
              .toArray();
      for (long ns : latencies) {
        h.recordValue(ns);
      }
      return latencies.length;
    }
  }

  private static Process start(List<Process> processes, Path log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-")) {
        cmd.add(a);
      }
    }
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.governor.cli.Main");
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  private static void awaitLine(Path log, String text, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no '" + text + "' in " + log + " within " + seconds + " s");
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

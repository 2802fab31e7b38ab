package dev.governor.bench;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunSpec;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.sim.Stats;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.trainers.BatchStream;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jTrainer;
import dev.governor.trainers.Governor;
import dev.governor.trainers.LabeledData;
import dev.governor.trainers.Models;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What governing a real model costs per step: the same DL4J MLP (784-256-128-10, batch 128) on the
 * same data trained (a) by a plain {@code fit} loop at the configured fixed LR, (b) under Governor
 * through actors and queues in synchronous mode with the default {@code pi} policy, and (c) with
 * the embedded {@link Governor} attached to the network (its own {@code fit}; no actors). Each
 * round times {@code M} steady-state steps of each (for b, between the progress callbacks at step
 * {@code W} and {@code W + M}, so actor-system start-up and warm-up are excluded); a and c swap
 * order every round. The ratios b/a and c/a are {@link PairedRatio}s over the rounds: geometric
 * means with 95 % intervals. Rounds are added (up to a cap) until both intervals are narrower than
 * {@link #MARGIN}, the margin the goals judge (ratio ≤ 1.01). The embedded ratio is also reported
 * in the stepping thread's CPU time over the same rounds, which other processes on a shared machine
 * disturb less than wall-clock time.
 *
 * <p>Fashion-MNIST when installed, else the seeded synthetic task of the same shape.
 */
final class LoopOverhead {
  private LoopOverhead() {}

  /** The interval width the rounds aim for: the 1 % the overhead goals allow. */
  static final double MARGIN = 0.01;

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  /**
   * @param embeddedCpu the embedded/plain ratio of the stepping thread's CPU time (less sensitive
   *     to other processes on a shared machine than the wall-clock {@code embedded})
   */
  record Result(
      double plainMsPerStep,
      double actorMsPerStep,
      double embeddedMsPerStep,
      PairedRatio actor,
      PairedRatio embedded,
      PairedRatio embeddedCpu) {
    int rounds() {
      return embedded.rounds();
    }
  }

  static Result measure(boolean quick) throws Exception {
    LabeledData train = data();
    int batch = 128;
    int warm = quick ? 30 : 60;
    int m = quick ? 120 : 300;
    int minRounds = quick ? 3 : 7;
    int maxRounds = quick ? 6 : 30;

    MultiLayerNetwork plain = Models.create("mlp", train, 1);
    BatchStream plainData = new BatchStream(train, batch, 1);
    MultiLayerNetwork embeddedNet = Models.create("mlp", train, 1);
    BatchStream embeddedData = new BatchStream(train, batch, 1);
    double[] a = new double[maxRounds];
    double[] b = new double[maxRounds];
    double[] c = new double[maxRounds];
    double[] aCpu = new double[maxRounds];
    double[] cCpu = new double[maxRounds];
    double[] cpu = new double[1];
    int n = 0;
    try (Governor embedded = Governor.attach(embeddedNet, Policies.create("pi"))) {
      for (int i = 0; i < warm; i++) {
        plain.fit(plainData.next());
        embeddedNet.fit(embeddedData.next());
      }
      while (n < maxRounds) {
        if (n % 2 == 0) {
          a[n] = onThread(m, () -> plain.fit(plainData.next()), cpu);
          aCpu[n] = cpu[0];
          c[n] = onThread(m, () -> embeddedNet.fit(embeddedData.next()), cpu);
          cCpu[n] = cpu[0];
        } else {
          c[n] = onThread(m, () -> embeddedNet.fit(embeddedData.next()), cpu);
          cCpu[n] = cpu[0];
          a[n] = onThread(m, () -> plain.fit(plainData.next()), cpu);
          aCpu[n] = cpu[0];
        }
        b[n] = actorRound(train, batch, warm, m, n);
        n++;
        if (n >= minRounds
            && PairedRatio.of(a, b, n).width() < MARGIN
            && PairedRatio.of(a, c, n).width() < MARGIN) {
          break;
        }
      }
      if (embedded.step() != warm + (long) n * m) {
        throw new IllegalStateException(
            "the embedded Governor ran " + embedded.step() + " steps, not " + (warm + n * m));
      }
    }
    double[] a1 = Arrays.copyOf(a, n);
    double[] b1 = Arrays.copyOf(b, n);
    double[] c1 = Arrays.copyOf(c, n);
    return new Result(
        Stats.median(a1),
        Stats.median(b1),
        Stats.median(c1),
        PairedRatio.of(a, b, n),
        PairedRatio.of(a, c, n),
        PairedRatio.of(aCpu, cCpu, n));
  }

  /** Fashion-MNIST's training split when installed, else the seeded synthetic task. */
  static LabeledData data() throws java.io.IOException {
    return Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR)
        ? Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR).train()
        : Datasets.synthetic(1, 20_000, 1_000).train();
  }

  /** Called with the run folder after it is created and before the run starts. */
  interface BeforeRun {
    void accept(Path runDir) throws Exception;
  }

  /** One actor-path run of warm + m steps; ms per step over the last m. */
  private static double actorRound(LabeledData train, int batch, int warm, int m, int round)
      throws Exception {
    Path dir = Files.createTempDirectory("governor-bench-loop");
    try {
      return actorRound(train, batch, warm, m, round, dir, runDir -> {});
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /**
   * As above, with the run folder under {@code parent} (kept) and {@code before} called once the
   * folder exists.
   */
  static double actorRound(
      LabeledData train, int batch, int warm, int m, int round, Path parent, BeforeRun before)
      throws Exception {
    long[] marks = new long[2];
    Path runDir = parent.resolve("run-" + round);
    RunFolder.create(
        runDir, RunHeader.of("bench-loop-" + round, PolicySpec.parse("pi"), Map.of(), 1L));
    before.accept(runDir);
    RunSpec spec =
        RunSpec.builder(
                runDir,
                () ->
                    Dl4jTrainer.builder(Models.create("mlp", train, 1), train)
                        .batch(batch)
                        .seed(1)
                        .build(),
                PolicySpec.parse("pi"),
                warm + m)
            .progress(
                done -> {
                  if (done == warm) {
                    marks[0] = System.nanoTime();
                  } else if (done == warm + m) {
                    marks[1] = System.nanoTime();
                  }
                })
            .build();
    var result = ActorRuntime.run(spec);
    if (!result.completed() || marks[0] == 0 || marks[1] == 0) {
      throw new IllegalStateException("actor run did not complete: " + result.failure());
    }
    return (marks[1] - marks[0]) / 1e6 / m;
  }

  /**
   * Runs {@code step} {@code m} times on a fresh thread (as the actor path runs on a dispatcher
   * thread, so every variant starts from the same kind of thread) and returns wall-clock ms per
   * step; {@code cpuMs[0]} receives the thread's CPU ms per step.
   */
  private static double onThread(int m, Runnable step, double[] cpuMs) throws InterruptedException {
    double[] ms = new double[1];
    RuntimeException[] failure = new RuntimeException[1];
    Thread t =
        new Thread(
            () -> {
              try {
                long c0 = CPU.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < m; i++) {
                  step.run();
                }
                ms[0] = (System.nanoTime() - t0) / 1e6 / m;
                cpuMs[0] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6 / m;
              } catch (RuntimeException e) {
                failure[0] = e;
              }
            },
            "bench-loop");
    t.start();
    t.join();
    if (failure[0] != null) {
      throw failure[0];
    }
    return ms[0];
  }
}

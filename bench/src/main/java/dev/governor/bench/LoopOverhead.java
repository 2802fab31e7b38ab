package dev.governor.bench;

import dev.governor.actors.ActorRuntime;
import dev.governor.actors.RunSpec;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.trainers.BatchStream;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jTrainer;
import dev.governor.trainers.Governor;
import dev.governor.trainers.LabeledData;
import dev.governor.trainers.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What governing a real model costs per step: the same DL4J MLP (784-256-128-10, batch 128) on the
 * same data trained (a) by a plain {@code fit} loop at the configured fixed LR, (b) under Governor
 * through actors and queues in synchronous mode with the default {@code pi} policy, and (c) with
 * the embedded {@link Governor} (no actors). Rounds interleave a, c, b; each round times {@code M}
 * steady-state steps of each (for b, between the progress callbacks at step {@code W} and {@code W
 * + M}, so actor-system start-up and warm-up are excluded). The ratios are medians of the per-round
 * ratios b/a and c/a.
 *
 * <p>Fashion-MNIST when installed, else the seeded synthetic task of the same shape.
 */
final class LoopOverhead {
  private LoopOverhead() {}

  record Result(
      double plainMsPerStep,
      double actorMsPerStep,
      double embeddedMsPerStep,
      double actorRatio,
      double embeddedRatio,
      int rounds) {}

  static Result measure(boolean quick) throws Exception {
    LabeledData train =
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR)
            ? Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR).train()
            : Datasets.synthetic(1, 20_000, 1_000).train();
    int batch = 128;
    int warm = quick ? 30 : 60;
    int m = quick ? 120 : 300;
    int rounds = quick ? 3 : 7;

    MultiLayerNetwork plain = Models.create("mlp", train, 1);
    BatchStream plainData = new BatchStream(train, batch, 1);
    MultiLayerNetwork embeddedNet = Models.create("mlp", train, 1);
    BatchStream embeddedData = new BatchStream(train, batch, 1);
    double[] a = new double[rounds];
    double[] b = new double[rounds];
    double[] c = new double[rounds];
    try (Governor embedded = Governor.attach(embeddedNet, Policies.create("pi"))) {
      for (int i = 0; i < warm; i++) {
        plain.fit(plainData.next());
        embedded.fit(embeddedData.next());
      }
      for (int r = 0; r < rounds; r++) {
        a[r] = onThread(m, () -> plain.fit(plainData.next()));
        c[r] = onThread(m, () -> embedded.fit(embeddedData.next()));

        b[r] = actorRound(train, batch, warm, m, r);
      }
    }
    double[] ratioB = new double[rounds];
    double[] ratioC = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratioB[r] = b[r] / a[r];
      ratioC[r] = c[r] / a[r];
    }
    return new Result(median(a), median(b), median(c), median(ratioB), median(ratioC), rounds);
  }

  /** One actor-path run of warm + m steps; ms per step over the last m. */
  private static double actorRound(LabeledData train, int batch, int warm, int m, int round)
      throws Exception {
    Path dir = Files.createTempDirectory("governor-bench-loop");
    long[] marks = new long[2];
    try {
      Path runDir = dir.resolve("run-" + round);
      RunFolder.create(
          runDir, RunHeader.of("bench-loop-" + round, PolicySpec.parse("pi"), Map.of(), 1L));
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
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /**
   * Runs {@code step} {@code m} times on a fresh thread (as the actor path runs on a dispatcher
   * thread, so every variant starts from the same kind of thread) and returns ms per step.
   */
  private static double onThread(int m, Runnable step) throws InterruptedException {
    double[] ms = new double[1];
    RuntimeException[] failure = new RuntimeException[1];
    Thread t =
        new Thread(
            () -> {
              try {
                long t0 = System.nanoTime();
                for (int i = 0; i < m; i++) {
                  step.run();
                }
                ms[0] = (System.nanoTime() - t0) / 1e6 / m;
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

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}

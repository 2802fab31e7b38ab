package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.sim.Stats;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A measurement: per-step cost of each optimizer against Adam on the built-in model, governed steps
 * with the default gear (undo buffer, snapshots, alignment), interleaved in one JVM in rotating
 * order. Run with {@code bench/probe OptimizerCostProbe} (and {@code OMP_NUM_THREADS=1}); prints
 * medians and paired ratios to Adam.
 */
public final class OptimizerCostProbe {

  /** Runs the measurement and prints its lines to standard output. */
  public static void main(String[] args) throws Exception {
    new OptimizerCostProbe().perStepCostAgainstAdam();
  }

  void perStepCostAgainstAdam() {
    String model = System.getProperty("governor.model", "mlp");
    int batch = Integer.getInteger("governor.batch", 128);
    int block = Integer.getInteger("governor.block", 25);
    int rounds = Integer.getInteger("governor.rounds", 12);
    Datasets.Split split =
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR)
            ? Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR)
            : Datasets.synthetic(1, 20000, 1000);
    LabeledData train = split.train().head(20000);
    String[] names = {"adam", "sf-adamw", "prodigy", "dog"};
    Dl4jTrainer[] t = new Dl4jTrainer[names.length];
    Hyperparameters[] h = new Hyperparameters[names.length];
    for (int i = 0; i < names.length; i++) {
      Dl4jOptimizer o = Dl4jOptimizer.parse(names[i]);
      t[i] =
          Dl4jTrainer.builder(Models.create(model, train, 7, o), train)
              .batch(batch)
              .seed(3)
              .optimizer(o)
              .build();
      h[i] = Hyperparameters.of(o.defaultLr(), Hyperparameters.NO_CLIP, 0);
    }
    long[] step = new long[names.length];
    double[][] wall = new double[names.length][rounds];
    double[][] cpu = new double[names.length][rounds];
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int w = 0; w < 2; w++) {
      for (int i = 0; i < names.length; i++) {
        for (int s = 0; s < block; s++) {
          t[i].step(step[i]++, h[i]);
        }
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.length; k++) {
        int i = (k + r) % names.length;
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int s = 0; s < block; s++) {
          t[i].step(step[i]++, h[i]);
        }
        wall[i][r] = (System.nanoTime() - t0) / 1e6 / block;
        cpu[i][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e6 / block;
      }
    }
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "OPTIMIZER-COST model=%s batch=%d steps=%d per optimizer (after %d warm-up)"
                    + " OMP_NUM_THREADS=%s%n",
                model, batch, rounds * block, 2 * block, System.getenv("OMP_NUM_THREADS")));
    for (int i = 0; i < names.length; i++) {
      double[] wr = new double[rounds];
      double[] cr = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        wr[r] = wall[i][r] / wall[0][r];
        cr[r] = cpu[i][r] / cpu[0][r];
      }
      sb.append(
          String.format(
              "%-9s wall median %.3f ms/step, paired ratio to adam %.3f [%.3f, %.3f];"
                  + " thread CPU median %.3f ms/step, paired ratio %.3f [%.3f, %.3f]%n",
              names[i],
              Stats.median(wall[i]),
              Stats.median(wr),
              min(wr),
              max(wr),
              Stats.median(cpu[i]),
              Stats.median(cr),
              min(cr),
              max(cr)));
    }
    System.out.println(sb);
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}

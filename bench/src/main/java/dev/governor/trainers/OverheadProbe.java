package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.sim.Stats;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A measurement: wall time per step of governed training against a plain {@code fit} loop on the
 * same model and batches, interleaved in one JVM. Run with {@code bench/probe OverheadProbe};
 * prints ratios.
 */
public final class OverheadProbe {

  /** Runs the measurement and prints its lines to standard output. */
  public static void main(String[] args) throws Exception {
    new OverheadProbe().governedVersusPlainFit();
  }

  void governedVersusPlainFit() {
    String model = System.getProperty("governor.model", "mlp");
    int batch = Integer.getInteger("governor.batch", 128);
    Datasets.Split split =
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR)
            ? Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR)
            : Datasets.synthetic(1, 20000, 1000);
    LabeledData train = split.train();
    int block = Integer.getInteger("governor.block", 50);
    int rounds = Integer.getInteger("governor.rounds", 20);
    String[] names = {
      "plain-fit", "governed", "governed-no-undo", "governed-bare", "setLR+fit", "governed-lr!=unit"
    };
    MultiLayerNetwork[] nets = new MultiLayerNetwork[names.length];
    Dl4jTrainer[] trainers = new Dl4jTrainer[names.length];
    BatchStream[] streams = new BatchStream[names.length];
    for (int i = 0; i < names.length; i++) {
      nets[i] = Models.create(model, train, 7);
      streams[i] = new BatchStream(train, batch, 3);
    }
    trainers[1] = Dl4jTrainer.builder(nets[1], train).batch(batch).seed(3).build();
    trainers[2] = Dl4jTrainer.builder(nets[2], train).batch(batch).seed(3).undo(false).build();
    trainers[3] =
        Dl4jTrainer.builder(nets[3], train)
            .batch(batch)
            .seed(3)
            .undo(false)
            .alignment(false)
            .snapshots(100, 0)
            .build();
    // the models' configured (unit) rate is 1e-3: h applies it unchanged, h2 (the "lr!=unit" row,
    // what a controller's decisions look like) scales the updater's output by 0.7
    trainers[5] = Dl4jTrainer.builder(nets[5], train).batch(batch).seed(3).build();
    Hyperparameters h = Hyperparameters.of(1e-3, Hyperparameters.NO_CLIP, 0);
    Hyperparameters h2 = Hyperparameters.of(0.7e-3, Hyperparameters.NO_CLIP, 0);
    long[] steps = new long[names.length];
    double[][] perStep = new double[names.length][rounds];
    double[][] cpuPerStep = new double[names.length][rounds];
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    // warm-up
    for (int w = 0; w < 2; w++) {
      for (int i = 0; i < names.length; i++) {
        run(i, block, nets, trainers, streams, steps, i == 5 ? h2 : h);
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < names.length; k++) {
        int i = (k + r) % names.length; // rotate the order each round
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        run(i, block, nets, trainers, streams, steps, i == 5 ? h2 : h);
        perStep[i][r] = (System.nanoTime() - t0) / 1e6 / block;
        cpuPerStep[i][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e6 / block;
      }
    }
    double base = Stats.median(perStep[0]);
    StringBuilder sb =
        new StringBuilder(
            "OVERHEAD model="
                + model
                + " batch="
                + batch
                + " OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS")
                + "\n");
    double cpuBase = Stats.median(cpuPerStep[0]);
    for (int i = 0; i < names.length; i++) {
      double m = Stats.median(perStep[i]);
      // per-round paired ratio against plain fit
      double[] ratios = new double[rounds];
      double[] cpuRatios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = perStep[i][r] / perStep[0][r];
        cpuRatios[r] = cpuPerStep[i][r] / cpuPerStep[0][r];
      }
      sb.append(
          String.format(
              "%-18s wall: median %.3f ms/step, ratio-of-medians %.4f, median-paired-ratio %.4f;"
                  + " calling-thread CPU: median %.3f ms/step, ratio %.4f, median-paired-ratio %.4f%n",
              names[i],
              m,
              m / base,
              Stats.median(ratios),
              Stats.median(cpuPerStep[i]),
              Stats.median(cpuPerStep[i]) / cpuBase,
              Stats.median(cpuRatios)));
    }
    System.out.println(sb);
  }

  private static void run(
      int i,
      int block,
      MultiLayerNetwork[] nets,
      Dl4jTrainer[] trainers,
      BatchStream[] streams,
      long[] steps,
      Hyperparameters h) {
    for (int s = 0; s < block; s++) {
      if (trainers[i] != null) {
        trainers[i].step(steps[i]++, h);
      } else {
        DataSet ds = streams[i].next();
        if (i == 4) {
          nets[i].setLearningRate(1e-3 * (1 + 1e-6 * (steps[i] % 2)));
        }
        nets[i].fit(ds);
        steps[i]++;
      }
    }
  }
}

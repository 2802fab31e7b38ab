package dev.governor.trainers;

import dev.governor.control.Policies;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.apache.commons.math3.distribution.TDistribution;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * A measurement: plain {@code net.fit} against {@code net.fit} with Governor attached ({@code pi}),
 * on the MLP (784-256-128-10, batch 128), in paired rounds of {@code governor.block} steps each
 * (order swapped every round), wall and calling-thread CPU time. Prints the geometric-mean ratio
 * with its 95 % t interval over the rounds. Run with {@code bench/probe AttachOverheadProbe}
 * ({@code OMP_NUM_THREADS=1} by default).
 */
public final class AttachOverheadProbe {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  /** Runs the measurement and prints its lines to standard output. */
  public static void main(String[] args) throws Exception {
    new AttachOverheadProbe().attachedVersusPlainFit();
  }

  void attachedVersusPlainFit() {
    int rounds = Integer.getInteger("governor.rounds", 16);
    int block = Integer.getInteger("governor.block", 40);
    LabeledData train = Datasets.synthetic(1, 20_000, 1_000).train();
    String[] names = {"plain", "plain+listener", "attached", "no-undo", "no-undo-no-align"};
    int v = names.length;
    MultiLayerNetwork[] nets = new MultiLayerNetwork[v];
    BatchStream[] data = new BatchStream[v];
    for (int i = 0; i < v; i++) {
      nets[i] = Models.create("mlp", train, 1);
      data[i] = new BatchStream(train, 128, 1);
    }
    nets[1].addListeners(new BaseTrainingListener() {});
    Governor[] g = {
      Governor.attach(nets[2], Policies.create("pi")),
      new EmbeddedGovernor(nets[3], Policies.create("pi"), Dl4jOptimizer.adam(), null, false, true),
      new EmbeddedGovernor(nets[4], Policies.create("pi"), Dl4jOptimizer.adam(), null, false, false)
    };
    double[][] wall = new double[v][rounds];
    double[][] cpu = new double[v][rounds];
    for (int w = 0; w < 60; w++) {
      for (int i = 0; i < v; i++) {
        nets[i].fit(data[i].next());
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < v; k++) {
        int i = (k + r) % v;
        long c0 = MX.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int s = 0; s < block; s++) {
          nets[i].fit(data[i].next());
        }
        wall[i][r] = (System.nanoTime() - t0) / 1e6 / block;
        cpu[i][r] = (MX.getCurrentThreadCpuTime() - c0) / 1e6 / block;
      }
    }
    System.out.printf(
        "ATTACH steps=%d rounds=%d block=%d OMP_NUM_THREADS=%s%n",
        g[0].step(), rounds, block, System.getenv("OMP_NUM_THREADS"));
    for (Governor x : g) {
      x.close();
    }
    for (int i = 1; i < v; i++) {
      report(names[i] + " wall", wall[0], wall[i]);
      report(names[i] + " cpu", cpu[0], cpu[i]);
    }
  }

  private static void report(String what, double[] t0, double[] t1) {
    double[][] t = {t0, t1};
    int n = t0.length;
    double[] d = new double[n];
    double mean = 0;
    double base = 0;
    for (int r = 0; r < n; r++) {
      d[r] = Math.log(t[1][r] / t[0][r]);
      mean += d[r] / n;
      base += t[0][r] / n;
    }
    double ss = 0;
    for (double x : d) {
      ss += (x - mean) * (x - mean);
    }
    double se = Math.sqrt(ss / (n - 1) / n);
    double q = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
    System.out.printf(
        "ATTACH %-26s plain %.3f ms/step, ratio %.4f [%.4f, %.4f] (95%% CI, n=%d)%n",
        what, base, Math.exp(mean), Math.exp(mean - q * se), Math.exp(mean + q * se), n);
  }
}

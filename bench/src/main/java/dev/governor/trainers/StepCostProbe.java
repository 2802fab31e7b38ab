package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A measurement: the calling-thread CPU cost of each piece of work the governed step adds to a
 * plain {@code fit} step, on the MLP's real parameter, gradient and Adam state arrays (235k
 * parameters). Run with {@code bench/probe StepCostProbe} and {@code OMP_NUM_THREADS=1}; prints
 * {@code COST} lines (µs per call) and the norms' accuracy against a double-precision reference.
 * The step-level A/B is {@link OverheadProbe}.
 */
public final class StepCostProbe {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  private static void time(String name, int n, Runnable r) {
    for (int i = 0; i < n / 4; i++) {
      r.run();
    }
    long c0 = MX.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      r.run();
    }
    System.out.printf("COST %-34s %8.1f us%n", name, (MX.getCurrentThreadCpuTime() - c0) / 1e3 / n);
  }

  /** Runs the measurement and prints its lines to standard output. */
  public static void main(String[] args) throws Exception {
    new StepCostProbe().costs();
  }

  void costs() {
    Datasets.Split split = Datasets.synthetic(1, 4000, 100);
    MultiLayerNetwork net = Models.create("mlp", split.train(), 7);
    Dl4jTrainer tr = Dl4jTrainer.builder(net, split.train()).batch(128).seed(3).build();
    Hyperparameters h = Hyperparameters.of(1e-3, Hyperparameters.NO_CLIP, 0);
    for (int s = 0; s < 20; s++) {
      tr.step(s, h);
    }
    Net nn = Net.of(net);
    INDArray p = nn.params();
    INDArray g = nn.gradientView().reshape(p.shape());
    INDArray st = nn.updater().getStateViewArray();
    INDArray pd = p.dup();
    INDArray gd = g.dup();
    INDArray sd = st.dup();
    int layers = nn.layers.length;
    INDArray[] lp = new INDArray[layers];
    INDArray[] lpd = new INDArray[layers];
    for (int i = 0; i < layers; i++) {
      lp[i] = nn.layers[i].params();
      lpd[i] = lp[i].dup();
    }
    Level1 blas = Nd4j.getBlasWrapper().level1();
    System.out.println("COST params " + p.length() + ", updater state " + st.length());
    for (int i = 0; i < layers; i++) {
      double exact = Math.sqrt(lp[i].castTo(DataType.DOUBLE).mul(lp[i]).sumNumber().doubleValue());
      System.out.printf(
          "COST layer %d (%d): exact %.9g norm2Number %.9g nrm2 %.9g sqrt(dot) %.9g norm() %.9g%n",
          i,
          lp[i].length(),
          exact,
          lp[i].norm2Number().doubleValue(),
          blas.nrm2(lp[i]),
          Math.sqrt(blas.dot(lp[i].length(), 1.0, lp[i], lp[i])),
          StepMeasurement.norm(lp[i]));
    }
    int n = 3000;
    time(
        "norm2Number x" + layers,
        n,
        () -> {
          for (INDArray a : lp) {
            a.norm2Number().doubleValue();
          }
        });
    time(
        "blas nrm2 x" + layers,
        n,
        () -> {
          for (INDArray a : lp) {
            blas.nrm2(a);
          }
        });
    time(
        "blas dot(a,a) x" + layers,
        n,
        () -> {
          for (INDArray a : lp) {
            blas.dot(a.length(), 1.0, a, a);
          }
        });
    time(
        "StepMeasurement.norm x" + layers,
        n,
        () -> {
          for (INDArray a : lp) {
            StepMeasurement.norm(a);
          }
        });
    time("alignment dot(g, prev)", n, () -> Nd4j.getBlasWrapper().dot(g, gd));
    time("prevGrad.assign(g)", n, () -> gd.assign(g));
    time("undo: params assign", n, () -> pd.assign(p));
    time("undo: Adam state assign", n, () -> sd.assign(st));
    time("params.subi(u)", n, () -> pd.subi(gd));
    time("u.muli(s); params.subi(u)", n, () -> pd.subi(gd.muli(1.0)));
    time(
        "axpy(-s, u_l, params_l) x" + layers,
        n,
        () -> {
          for (int i = 0; i < layers; i++) {
            blas.axpy(lpd[i].length(), -1e-9, lp[i], lpd[i]);
          }
        });
    time(
        "unitLr x" + layers,
        n,
        () -> {
          for (int i = 0; i < layers; i++) {
            nn.unitLr(i, 5, 0);
          }
        });
    time("governed step (default)", 300, () -> tr.step(tr.nextStep(), h));
    BatchStream ds = new BatchStream(split.train(), 128, 3);
    time("plain fit step", 300, () -> net.fit(ds.next()));
  }
}

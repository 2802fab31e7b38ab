package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Policies;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * DL4J's ParallelWrapper (2 workers, averaging every round) under Governor: worker 0 trains the
 * governed network, worker 1 a copy that follows its decisions through {@link
 * GovernedTrainerContext}.
 */
class ParallelWrapperTest {
  static final int BATCHES = 12; // 6 rounds of 2 batches

  static List<DataSet> data() {
    List<DataSet> l = new ArrayList<>();
    for (int t = 0; t < BATCHES; t++) {
      l.add(FaithfulnessTest.batch(t));
    }
    return l;
  }

  static MultiLayerNetwork net(Adam adam) {
    return FaithfulnessTest.mlp(FaithfulnessTest.base(adam));
  }

  /** 2 workers, averaging every round, no prefetch thread; {@code ctx} null: DL4J's trainers. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static ParallelWrapper wrapper(MultiLayerNetwork n, GovernedTrainerContext ctx) {
    ParallelWrapper.Builder b =
        new ParallelWrapper.Builder<>(n).workers(2).averagingFrequency(1).prefetchBuffer(0);
    ParallelWrapper pw = b.build();
    if (ctx != null) {
      pw.setTrainerContext(ctx);
    }
    return pw;
  }

  /** Records, per network, the learning rate its first updater block runs at in each step. */
  static final class RateRecorder extends BaseTrainingListener {
    final Map<Model, List<Double>> rates = new IdentityHashMap<>();

    @Override
    public void onGradientCalculation(Model m) {
      Net n = Net.of(m, false);
      UpdaterBlock b = n.updater().getUpdaterBlocks().get(0);
      double lr =
          b.getGradientUpdater() instanceof GovernedUpdater g
              ? g.rate.value
              : b.getGradientUpdater().getConfig().getLearningRate(n.iteration(), 0);
      synchronized (rates) {
        rates.computeIfAbsent(m, k -> new ArrayList<>()).add(lr);
      }
    }
  }

  /**
   * cosine(lr=0.02, t-max=6): lr_k = 0.02 (1 + cos(πk/6)) / 2, k = 0..5 (NumPy:
   * 0.02*(1+np.cos(np.pi*np.arange(6)/6))/2).
   */
  static final double[] COSINE = {
    0.02, 0.01866025403784439, 0.015, 0.01, 0.005000000000000003, 0.001339745962155613
  };

  @Test
  void everyWorkerAppliesTheGovernorsDecisionOfTheRound() {
    MultiLayerNetwork n = net(new Adam(0.01));
    RateRecorder rec = new RateRecorder();
    n.addListeners(rec);
    try (Governor g = Governor.attach(n, Policies.create("cosine(lr=0.02, t-max=6)"))) {
      ParallelWrapper pw = wrapper(n, new GovernedTrainerContext(g));
      pw.fit(new ListDataSetIterator<>(data(), 1));
      assertEquals(6, g.step(), "the governor saw worker 0's six steps " + rec.rates.values());
    }
    assertEquals(2, rec.rates.size(), "two networks trained: the governed one and a copy");
    assertTrue(rec.rates.containsKey(n));
    for (List<Double> r : rec.rates.values()) {
      assertArrayEquals(COSINE, r.stream().mapToDouble(Double::doubleValue).toArray(), 1e-15);
    }
  }

  /** The same with a ComputationGraph (two branches merged): both workers run the cosine rates. */
  @Test
  @SuppressWarnings({"rawtypes", "unchecked"})
  void aComputationGraphsWorkersApplyTheDecisionsToo() {
    ComputationGraph n = FaithfulnessTest.graph(new Adam(0.01));
    RateRecorder rec = new RateRecorder();
    n.addListeners(rec);
    try (Governor g = Governor.attach(n, Policies.create("cosine(lr=0.02, t-max=6)"))) {
      ParallelWrapper pw =
          new ParallelWrapper.Builder(n).workers(2).averagingFrequency(1).prefetchBuffer(0).build();
      pw.setTrainerContext(new GovernedTrainerContext(g));
      pw.fit(new ListDataSetIterator<>(data(), 1));
      assertEquals(6, g.step());
    }
    assertEquals(2, rec.rates.size());
    for (List<Double> r : rec.rates.values()) {
      assertArrayEquals(COSINE, r.stream().mapToDouble(Double::doubleValue).toArray(), 1e-15);
    }
  }

  /**
   * A second {@code fit} makes new worker copies; they continue from the governor's step: the
   * governed network runs steps 0..11, the first copy 0..5, the second 6..11 (NumPy for t = 6..11:
   * 0.02*(1+np.cos(np.pi*t/6))/2; at t = 6 the policy raises the cosine's 0 to Double.MIN_NORMAL).
   */
  @Test
  void aSecondFitContinuesFromTheGovernorsStep() {
    double[] second = {
      0.0,
      0.0013397459621556117,
      0.004999999999999996,
      0.009999999999999998,
      0.015,
      0.018660254037844385
    };
    MultiLayerNetwork n = net(new Adam(0.01));
    RateRecorder rec = new RateRecorder();
    n.addListeners(rec);
    try (Governor g = Governor.attach(n, Policies.create("cosine(lr=0.02, t-max=6)"))) {
      ParallelWrapper pw = wrapper(n, new GovernedTrainerContext(g));
      pw.fit(new ListDataSetIterator<>(data(), 1));
      pw.fit(new ListDataSetIterator<>(data(), 1));
      assertEquals(12, g.step());
    }
    assertEquals(3, rec.rates.size(), "the governed network and one copy per fit");
    double[] both = new double[12];
    System.arraycopy(COSINE, 0, both, 0, 6);
    System.arraycopy(second, 0, both, 6, 6);
    List<double[]> copies = new ArrayList<>();
    for (Map.Entry<Model, List<Double>> e : rec.rates.entrySet()) {
      double[] r = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      if (e.getKey() == n) {
        assertArrayEquals(both, r, 1e-15);
      } else {
        copies.add(r);
      }
    }
    copies.sort((x, y) -> Double.compare(y[0], x[0]));
    assertArrayEquals(COSINE, copies.get(0), 1e-15);
    assertArrayEquals(second, copies.get(1), 1e-15);
  }

  /**
   * The governed wrapper against parameter averaging written out with two plain networks configured
   * with the decided rates ({@code Adam(MapSchedule(ITERATION, lr_k))}): in round r network A fits
   * batch 2r and B batch 2r + 1 from the same state, then both take the means (A + B) / 2 of the
   * parameters and of the Adam state — ParallelWrapper's averaging every round, on one device. The
   * parameters equal bit for bit (they depend on the averaged Adam state of every round; after
   * DL4J's wrapper returns, the network's own updater state reads zeros with or without Governor,
   * so it is not compared), and two governed runs equal each other (DL4J's own wrapper is not
   * reproducible here: its worker 1 copies the network's parameters on its own thread while worker
   * 0 may already have trained on them, so two plain runs differed in the first parameter,
   * 0.7089389 vs 0.721843).
   */
  @Test
  void governedWrapperEqualsParameterAveragingAtTheDecidedRates() {
    Map<Integer, Double> m = new java.util.HashMap<>();
    for (int k = 0; k < COSINE.length; k++) {
      m.put(k, COSINE[k]);
    }
    MultiLayerNetwork a = net(new Adam(new MapSchedule(ScheduleType.ITERATION, m)));
    MultiLayerNetwork b = net(new Adam(new MapSchedule(ScheduleType.ITERATION, m)));
    List<DataSet> d = data();
    for (int r = 0; r < BATCHES / 2; r++) {
      a.fit(d.get(2 * r));
      b.fit(d.get(2 * r + 1));
      for (boolean state : new boolean[] {false, true}) {
        INDArray x = state ? a.getUpdater().getStateViewArray() : a.params();
        INDArray y = state ? b.getUpdater().getStateViewArray() : b.params();
        INDArray mean = x.add(y).divi(2);
        x.assign(mean);
        y.assign(mean);
      }
    }

    float[][] runs = new float[2][];
    int[] gov0Iterations = new int[2];
    for (int run = 0; run < 2; run++) {
      MultiLayerNetwork gov = net(new Adam(0.01));
      try (Governor g = Governor.attach(gov, Policies.create("cosine(lr=0.02, t-max=6)"))) {
        wrapper(gov, new GovernedTrainerContext(g)).fit(new ListDataSetIterator<>(data(), 1));
      }
      runs[run] = gov.params().toFloatVector();
      gov0Iterations[run] = gov.getIterationCount();
    }
    assertArrayEquals(a.params().toFloatVector(), runs[0]);
    assertEquals(BATCHES / 2, gov0Iterations[0], "the governed network counted its own 6 steps");
    assertArrayEquals(runs[0], runs[1], "two governed runs are the same");
  }

  @Test
  void withoutTheGovernedTrainersTheWrapperRefusesToTrainAnUngovernedCopy() {
    MultiLayerNetwork n = net(new Adam(0.01));
    try (Governor g = Governor.attach(n, Policies.create("constant(lr=0.02)"))) {
      ParallelWrapper pw = wrapper(n, null);
      RuntimeException e =
          assertThrows(RuntimeException.class, () -> pw.fit(new ListDataSetIterator<>(data(), 1)));
      Throwable c = e;
      while (c.getCause() != null && !(c instanceof IllegalStateException)) {
        c = c.getCause();
      }
      assertTrue(
          String.valueOf(c.getMessage())
              .contains("pw.setTrainerContext(new GovernedTrainerContext(governor))"),
          String.valueOf(c.getMessage()));
      assertTrue(g.step() <= 1, "the governed worker stops with the refused one");
    }
  }

  @Test
  void aLearningRateFreeOptimizerIsRefused() {
    MultiLayerNetwork n =
        FaithfulnessTest.mlp(
            FaithfulnessTest.base(Dl4jOptimizer.parse("prodigy").networkUpdater()));
    try (Governor g =
        Governor.attach(n, Policies.create("constant(lr=1)"), Dl4jOptimizer.parse("prodigy"))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new GovernedTrainerContext(g));
      assertTrue(e.getMessage().contains("prodigy"), e.getMessage());
    }
  }
}

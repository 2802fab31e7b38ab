package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.AdaDelta;
import org.nd4j.linalg.learning.config.AdaMax;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Governor attached to a network against DL4J's own {@code net.fit} as the reference: the same
 * network (same seed, same batches) trained by plain {@code fit} and by {@code fit} with Governor
 * attached, parameters compared bit for bit after every step. A policy that decides the configured
 * rate with no clip and no decay must change nothing; one that decides another rate must equal DL4J
 * configured with that rate.
 */
class FaithfulnessTest {
  static final int STEPS = 50;
  static final int N_IN = 6;
  static final int N_OUT = 3;

  // ---- data: deterministic batches ----

  /** Batch {@code t}: 8 examples of 6 features in [-1, 1), one-hot labels of 3 classes. */
  static DataSet batch(int t) {
    Random r = new Random(1000 + t);
    float[] x = new float[8 * N_IN];
    float[] y = new float[8 * N_OUT];
    for (int k = 0; k < 8; k++) {
      for (int j = 0; j < N_IN; j++) {
        x[k * N_IN + j] = (float) (2 * r.nextDouble() - 1);
      }
      y[k * N_OUT + r.nextInt(N_OUT)] = 1;
    }
    return new DataSet(Nd4j.create(x, new long[] {8, N_IN}), Nd4j.create(y, new long[] {8, N_OUT}));
  }

  /**
   * Batch {@code t} of variable-length sequences: 4 sequences of up to 7 steps with 3 features,
   * sequence k of length 3 + (t + k) % 5; feature and label masks mark the valid steps (the padding
   * holds large values, so training on it would change the result).
   */
  static DataSet sequences(int t) {
    int n = 4;
    int len = 7;
    int f = 3;
    Random r = new Random(5000 + t);
    INDArray x = Nd4j.zeros(n, f, len);
    INDArray y = Nd4j.zeros(n, 2, len);
    INDArray mask = Nd4j.zeros(n, len);
    for (int k = 0; k < n; k++) {
      int valid = 3 + (t + k) % 5;
      for (int s = 0; s < len; s++) {
        for (int j = 0; j < f; j++) {
          x.putScalar(new int[] {k, j, s}, s < valid ? 2 * r.nextDouble() - 1 : 50.0);
        }
        y.putScalar(new int[] {k, s < valid ? r.nextInt(2) : 1, s}, 1.0);
        mask.putScalar(k, s, s < valid ? 1.0 : 0.0);
      }
    }
    return new DataSet(x, y, mask, mask.dup());
  }

  // ---- networks ----

  static NeuralNetConfiguration.Builder base(IUpdater u) {
    return new NeuralNetConfiguration.Builder().seed(42).updater(u);
  }

  static MultiLayerNetwork mlp(NeuralNetConfiguration.Builder b) {
    return init(
        b.list()
            .layer(new DenseLayer.Builder().nIn(N_IN).nOut(5).activation(Activation.TANH).build())
            .layer(output(5))
            .build());
  }

  static OutputLayer output(int nIn) {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nIn(nIn)
        .nOut(N_OUT)
        .activation(Activation.SOFTMAX)
        .build();
  }

  static MultiLayerNetwork init(MultiLayerConfiguration c) {
    MultiLayerNetwork n = new MultiLayerNetwork(c);
    n.init();
    return n;
  }

  static MultiLayerNetwork batchNorm(IUpdater u) {
    return init(
        base(u)
            .list()
            .layer(
                new DenseLayer.Builder().nIn(N_IN).nOut(5).activation(Activation.IDENTITY).build())
            .layer(new BatchNormalization.Builder().nOut(5).build())
            .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).build())
            .layer(output(4))
            .build());
  }

  static ComputationGraph graph(IUpdater u) {
    ComputationGraph g =
        new ComputationGraph(
            base(u)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                    "a",
                    new DenseLayer.Builder().nIn(N_IN).nOut(4).activation(Activation.TANH).build(),
                    "in")
                .addLayer(
                    "b",
                    new DenseLayer.Builder().nIn(N_IN).nOut(3).activation(Activation.RELU).build(),
                    "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("out", output(7), "merge")
                .setOutputs("out")
                .build());
    g.init();
    return g;
  }

  static MultiLayerNetwork lstm(IUpdater u) {
    return init(
        base(u)
            .list()
            .layer(new LSTM.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
            .layer(
                new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(4)
                    .nOut(2)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build());
  }

  // ---- the harness ----

  /** Parameters (and the updater state at the end) after every step of a run. */
  record Run(List<float[]> params, float[] updaterState, int iterations, int epochs) {}

  /** A policy at {@code h} that decides {@code action} after step {@code at}, else nothing. */
  private static Policy actingAfter(Hyperparameters h, long at, GuardAction action) {
    return new ScriptedPolicy(h, o -> o.step() == at ? h.withAction(action) : h);
  }

  /**
   * Asserts that {@code net} holds bit for bit what {@code twin} holds: both at {@code iterations}
   * iterations, the same parameters and, with {@code updater}, the same updater state.
   */
  private static void assertSameState(
      String what, int iterations, MultiLayerNetwork twin, MultiLayerNetwork net, boolean updater) {
    assertEquals(iterations, twin.getIterationCount(), what + ": the twin's iteration count");
    assertEquals(iterations, net.getIterationCount(), what + ": iteration count");
    assertTrue(Arrays.equals(floats(twin.params()), floats(net.params())), what + ": parameters");
    if (updater) {
      assertTrue(
          Arrays.equals(
              floats(twin.getUpdater().getStateViewArray()),
              floats(net.getUpdater().getStateViewArray())),
          what + ": updater state");
    }
  }

  static float[] floats(INDArray a) {
    return a.dup().data().asFloat();
  }

  static int iterations(Model m) {
    return m instanceof MultiLayerNetwork n
        ? n.getIterationCount()
        : ((ComputationGraph) m).getIterationCount();
  }

  static int epochs(Model m) {
    return m instanceof MultiLayerNetwork n
        ? n.getEpochCount()
        : ((ComputationGraph) m).getEpochCount();
  }

  static void fit(Model m, DataSet d) {
    if (m instanceof MultiLayerNetwork n) {
      n.fit(d);
    } else {
      ((ComputationGraph) m).fit(d);
    }
  }

  static INDArray state(Model m) {
    return m instanceof MultiLayerNetwork n
        ? n.getUpdater().getStateViewArray()
        : ((ComputationGraph) m).getUpdater().getStateViewArray();
  }

  /** Trains {@code net} by plain {@code fit} on batches 0..STEPS−1, recording every step. */
  static Run run(Model net, Function<Integer, DataSet> data, Policy governed) {
    Nd4j.getRandom().setSeed(7); // dropout draws from ND4J's global generator
    List<float[]> after = new ArrayList<>();
    Governor g = governed == null ? null : Governor.attach(net, governed);
    try {
      for (int t = 0; t < STEPS; t++) {
        fit(net, data.apply(t));
        after.add(floats(net.params()));
      }
      if (g != null) {
        assertEquals(STEPS, g.step());
      }
    } finally {
      if (g != null) {
        g.close();
      }
    }
    INDArray s = state(net);
    return new Run(after, s == null ? new float[0] : floats(s), iterations(net), epochs(net));
  }

  static void assertSame(String what, Run plain, Run gov) {
    for (int t = 0; t < plain.params().size(); t++) {
      if (!Arrays.equals(plain.params().get(t), gov.params().get(t))) {
        fail(what + ": parameters differ after step " + t + " (of " + plain.params().size() + ")");
      }
    }
    assertTrue(
        Arrays.equals(plain.updaterState(), gov.updaterState()), what + ": updater state differs");
    assertEquals(plain.iterations(), gov.iterations(), what + ": iteration count");
    assertEquals(plain.epochs(), gov.epochs(), what + ": epoch count");
  }

  /** Plain fit vs Governor deciding {@code lr} (the configured rate): bit-identical. */
  static void assertUnchanged(String what, Supplier<Model> build, double lr) {
    assertUnchanged(what, build, FaithfulnessTest::batch, lr);
  }

  static void assertUnchanged(
      String what, Supplier<Model> build, Function<Integer, DataSet> data, double lr) {
    Run plain = run(build.get(), data, null);
    Run gov = run(build.get(), data, Policies.create("constant(lr=" + lr + ")"));
    assertSame(what, plain, gov);
    // the run moved: a harness that compared untrained networks would prove nothing
    assertFalse(Arrays.equals(plain.params().get(0), plain.params().get(STEPS - 1)), what);
  }

  // ---- 1. a policy that changes nothing changes nothing ----

  @Test
  void updatersAreUnchanged() {
    assertUnchanged("Sgd", () -> mlp(base(new Sgd(0.1))), 0.1);
    assertUnchanged("Adam", () -> mlp(base(new Adam(0.01))), 0.01);
    assertUnchanged("Nesterovs", () -> mlp(base(new Nesterovs(0.05, 0.9))), 0.05);
    assertUnchanged("AdaMax", () -> mlp(base(new AdaMax(0.01))), 0.01);
    assertUnchanged("RmsProp", () -> mlp(base(new RmsProp(0.01))), 0.01);
  }

  @Test
  void regularizationDropoutAndClippingAreUnchanged() {
    assertUnchanged("l2", () -> mlp(base(new Adam(0.01)).l2(1e-2)), 0.01);
    assertUnchanged("weightDecay", () -> mlp(base(new Sgd(0.1)).weightDecay(1e-2)), 0.1);
    assertUnchanged("dropout", () -> mlp(base(new Adam(0.01)).dropOut(0.7)), 0.01);
    assertUnchanged(
        "ClipL2PerLayer",
        () ->
            mlp(
                base(new Sgd(0.5))
                    .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(0.05)),
        0.5);
    assertUnchanged(
        "MaxNormConstraint",
        () -> mlp(base(new Sgd(0.5)).constrainWeights(new MaxNormConstraint(0.6, 1))),
        0.5);
  }

  @Test
  void batchNormGraphAndMaskedLstmAreUnchanged() {
    assertUnchanged("BatchNormalization", () -> batchNorm(new Adam(0.01)), 0.01);
    assertUnchanged("ComputationGraph+MergeVertex", () -> graph(new Adam(0.01)), 0.01);
    assertUnchanged("masked LSTM", () -> lstm(new Adam(0.01)), FaithfulnessTest::sequences, 0.01);
  }

  /** A two-input graph trained on MultiDataSets (no single-DataSet path exists for it). */
  @Test
  void twoInputGraphIsUnchanged() {
    Supplier<ComputationGraph> build =
        () -> {
          ComputationGraph g =
              new ComputationGraph(
                  base(new Adam(0.01))
                      .graphBuilder()
                      .addInputs("x1", "x2")
                      .addLayer(
                          "a",
                          new DenseLayer.Builder()
                              .nIn(4)
                              .nOut(3)
                              .activation(Activation.TANH)
                              .build(),
                          "x1")
                      .addLayer(
                          "b",
                          new DenseLayer.Builder()
                              .nIn(2)
                              .nOut(3)
                              .activation(Activation.TANH)
                              .build(),
                          "x2")
                      .addVertex("merge", new MergeVertex(), "a", "b")
                      .addLayer("out", output(6), "merge")
                      .setOutputs("out")
                      .build());
          g.init();
          return g;
        };
    List<float[]> plain = new ArrayList<>();
    List<float[]> gov = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      ComputationGraph g = build.get();
      List<float[]> out = run == 0 ? plain : gov;
      try (Governor x =
          run == 0 ? null : Governor.attach(g, Policies.create("constant(lr=0.01)"))) {
        for (int t = 0; t < STEPS; t++) {
          DataSet d = batch(t);
          INDArray f = d.getFeatures();
          g.fit(
              new org.nd4j.linalg.dataset.MultiDataSet(
                  new INDArray[] {
                    f.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)),
                    f.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 6))
                  },
                  new INDArray[] {d.getLabels()}));
          out.add(floats(g.params()));
        }
        if (x != null) {
          assertEquals(STEPS, x.step());
        }
      }
    }
    for (int t = 0; t < STEPS; t++) {
      assertTrue(Arrays.equals(plain.get(t), gov.get(t)), "two-input graph, step " + t);
    }
  }

  @Test
  void maskedLstmDiffersFromTheUnmaskedBatch() {
    // The masks matter (the padding is 50.0): the reference must not pass by ignoring them.
    Run masked = run(lstm(new Adam(0.01)), FaithfulnessTest::sequences, null);
    Run unmasked =
        run(
            lstm(new Adam(0.01)),
            t -> new DataSet(sequences(t).getFeatures(), sequences(t).getLabels()),
            null);
    assertFalse(Arrays.equals(masked.params().get(0), unmasked.params().get(0)));
  }

  /**
   * Momentum on an EPOCH schedule (0.9, halved every epoch) over 5 epochs of 10 batches, trained by
   * {@code fit(iterator)}: the epoch count must be DL4J's at every step.
   */
  @Test
  void epochScheduleOverSeveralEpochsIsUnchanged() {
    Supplier<MultiLayerNetwork> build =
        () -> mlp(base(new Nesterovs(0.05, new StepSchedule(ScheduleType.EPOCH, 0.9, 0.5, 1))));
    Run plain = epochs(build.get(), null, 5);
    Run gov = epochs(build.get(), Policies.create("constant(lr=0.05)"), 5);
    assertSame("EPOCH momentum schedule", plain, gov);
    assertEquals(5, gov.epochs());
    assertEquals(50, gov.iterations());
  }

  static DataSetIterator epochData() {
    List<DataSet> l = new ArrayList<>();
    for (int t = 0; t < 10; t++) {
      l.add(batch(t));
    }
    return new ListDataSetIterator<>(l, 1);
  }

  /** {@code epochs} epochs of {@code net.fit(iterator)}, parameters recorded by a listener. */
  static Run epochs(MultiLayerNetwork net, Policy governed, int epochs) {
    Nd4j.getRandom().setSeed(7);
    List<float[]> after = new ArrayList<>();
    net.addListeners(
        new BaseTrainingListener() {
          @Override
          public void iterationDone(Model m, int iteration, int epoch) {
            after.add(floats(m.params()));
          }
        });
    try (Governor g = governed == null ? null : Governor.attach(net, governed)) {
      DataSetIterator it = epochData();
      for (int e = 0; e < epochs; e++) {
        net.fit(it);
        it.reset();
      }
      if (g != null) {
        assertEquals(10L * epochs, g.step());
      }
    }
    return new Run(
        after, floats(net.getUpdater().getStateViewArray()), net.getIterationCount(), epochs(net));
  }

  /** A network trained for 2 epochs, saved, and resumed plain and governed: identical. */
  @Test
  void pretrainedNetworkResumesAtItsEpochAndIteration() throws Exception {
    MultiLayerNetwork pre =
        mlp(base(new Nesterovs(0.05, new StepSchedule(ScheduleType.EPOCH, 0.9, 0.5, 1))));
    DataSetIterator it = epochData();
    for (int e = 0; e < 2; e++) {
      pre.fit(it);
      it.reset();
    }
    assertEquals(2, pre.getEpochCount());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(pre, bytes, true);
    MultiLayerNetwork a =
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()));
    MultiLayerNetwork b =
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()));
    Run plain = epochs(a, null, 2);
    Run gov = epochs(b, Policies.create("constant(lr=0.05)"), 2);
    assertSame("resumed at epoch 2", plain, gov);
    assertEquals(4, gov.epochs());
    assertEquals(40, gov.iterations());
  }

  // ---- 2. the actuator: a decided rate is DL4J at that rate ----

  static final Map<String, Function<Double, IUpdater>> UPDATERS = new HashMap<>();

  static {
    UPDATERS.put("Sgd", Sgd::new);
    UPDATERS.put("Adam", Adam::new);
    UPDATERS.put("Nesterovs", lr -> new Nesterovs(lr, 0.9));
    UPDATERS.put("AdaMax", AdaMax::new);
    UPDATERS.put("RmsProp", RmsProp::new);
  }

  /**
   * Governed {@code constant(lr = 2 × configured)} equals plain DL4J configured with that rate,
   * parameters and BatchNorm running statistics (which are parameters in DL4J's flat vector), for
   * every updater; with the rate only scaled after the updater, the running mean would move twice
   * as far.
   */
  @Test
  void decidedRateEqualsTheNetworkConfiguredWithIt() {
    for (Map.Entry<String, Function<Double, IUpdater>> e : UPDATERS.entrySet()) {
      double lr = e.getKey().equals("Sgd") ? 0.1 : 0.01;
      Run reference = run(batchNorm(e.getValue().apply(2 * lr)), FaithfulnessTest::batch, null);
      Run gov =
          run(
              batchNorm(e.getValue().apply(lr)),
              FaithfulnessTest::batch,
              Policies.create("constant(lr=" + 2 * lr + ")"));
      assertSame(e.getKey() + " at 2x", reference, gov);
    }
  }

  /** Nesterovs whose rate changes at step 20: DL4J's Nesterovs with that rate schedule. */
  @Test
  void nesterovsAfterARateChangeEqualsDl4jWithThatSchedule() {
    Run reference =
        run(
            mlp(base(new Nesterovs(new MapSchedule(ScheduleType.ITERATION, lrs()), 0.9))),
            FaithfulnessTest::batch,
            null);
    Hyperparameters fast = Hyperparameters.of(0.05, Hyperparameters.NO_CLIP, 0);
    Hyperparameters slow = fast.withLr(0.02);
    // decide() after step t sets the rate of step t + 1
    Policy change = new ScriptedPolicy(fast, o -> o.step() + 1 < 20 ? fast : slow);
    Run gov = run(mlp(base(new Nesterovs(0.05, 0.9))), FaithfulnessTest::batch, change);
    assertSame("Nesterovs 0.05 -> 0.02 at step 20", reference, gov);
  }

  static Map<Integer, Double> lrs() {
    Map<Integer, Double> m = new HashMap<>();
    m.put(0, 0.05);
    m.put(20, 0.02);
    return m;
  }

  @Test
  void anUpdaterWithItsOwnScheduleOrWithoutARateIsRefusedInOneLine() {
    MultiLayerNetwork scheduled =
        mlp(base(new Adam(new StepSchedule(ScheduleType.ITERATION, 0.01, 0.5, 10))));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Governor.attach(scheduled, Policies.create("constant(lr=0.01)")));
    assertTrue(e.getMessage().contains("own learning-rate schedule"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    MultiLayerNetwork adaDelta = mlp(base(new AdaDelta()));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Governor.attach(adaDelta, Policies.create("constant(lr=0.01)")));
    assertTrue(e.getMessage().contains("no learning rate"), e.getMessage());
    // nothing was attached to either
    assertTrue(scheduled.getListeners().isEmpty());
  }

  @Test
  void aRefusedNetworkLeavesNoRunFolderBehind(@TempDir Path dir) {
    MultiLayerNetwork adaDelta = mlp(base(new AdaDelta()));
    Path run = dir.resolve("run");
    assertThrows(
        IllegalArgumentException.class,
        () -> Governor.attach(adaDelta, Policies.create("constant(lr=0.01)"), run));
    assertFalse(Files.exists(run));
  }

  /**
   * Per-layer multipliers: layer 0 at 0.5 × lr, layer 1 at 3 × lr equals DL4J configured with Adam
   * at those rates per layer (to float rounding: the governed run computes the second layer's
   * update at the first layer's rate, Adam being proportional to its rate, and scales it by 6).
   */
  @Test
  void perLayerMultipliersEqualPerLayerRates() {
    double lr = 0.01;
    MultiLayerNetwork ref =
        init(
            base(new Adam(lr))
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(N_IN)
                        .nOut(5)
                        .activation(Activation.TANH)
                        .updater(new Adam(0.5 * lr))
                        .build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(5)
                        .nOut(N_OUT)
                        .activation(Activation.SOFTMAX)
                        .updater(new Adam(3 * lr))
                        .build())
                .build());
    Hyperparameters h =
        Hyperparameters.of(lr, Hyperparameters.NO_CLIP, 0).withLayerLrMultipliers(0.5, 3.0);
    Run plain = run(ref, FaithfulnessTest::batch, null);
    Run gov = run(mlp(base(new Adam(lr))), FaithfulnessTest::batch, new ScriptedPolicy(h, o -> h));
    float[] a = plain.params().get(STEPS - 1);
    float[] b = gov.params().get(STEPS - 1);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "parameter " + i);
    }
  }

  /**
   * Decoupled weight decay: θ' = θ − η g − η λ θ (SGD). Reference: DL4J's Sgd(η) step, then η λ θ₀
   * subtracted by hand.
   */
  @Test
  void decoupledWeightDecayIsAddedToDl4jsUpdate() {
    double lr = 0.1;
    double wd = 0.3;
    MultiLayerNetwork ref = mlp(base(new Sgd(lr)));
    INDArray theta0 = ref.params().dup();
    ref.fit(batch(0));
    INDArray expected = ref.params().sub(theta0.mul(lr * wd));
    MultiLayerNetwork net = mlp(base(new Sgd(lr)));
    Hyperparameters h = Hyperparameters.of(lr, Hyperparameters.NO_CLIP, wd);
    try (Governor g = Governor.attach(net, new ScriptedPolicy(h, o -> h))) {
      g.fit(batch(0));
    }
    float[] e = floats(expected);
    float[] got = floats(net.params());
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], got[i], 1e-6, "parameter " + i);
    }
  }

  /**
   * Global-norm clipping before DL4J's updater: SGD at rate 1 with clip c moves the parameters by
   * exactly c (‖θ' − θ‖ = ‖g · c/‖g‖‖), and the observation reports the unclipped norm of the mean
   * gradient (DL4J's own gradient of the batch, divided by its size).
   */
  @Test
  void globalNormClipBeforeTheUpdater() {
    MultiLayerNetwork probe = mlp(base(new Sgd(1.0)));
    DataSet b = batch(3);
    probe.setInput(b.getFeatures());
    probe.setLabels(b.getLabels());
    probe.computeGradientAndScore();
    double norm = probe.getFlattenedGradients().norm2Number().doubleValue() / 8;
    double c = norm / 4;
    MultiLayerNetwork net = mlp(base(new Sgd(1.0)));
    INDArray before = net.params().dup();
    Hyperparameters h = Hyperparameters.of(1.0, c, 0);
    try (Governor g = Governor.attach(net, new ScriptedPolicy(h, o -> h))) {
      dev.governor.control.Observation o = g.fit(b);
      assertEquals(norm, o.gradNorm(), 1e-6 * norm);
      assertEquals(c, o.updateNorm(), 1e-5 * c);
    }
    assertEquals(c, net.params().sub(before).norm2Number().doubleValue(), 1e-5 * c);
  }

  // ---- 3. composing with DL4J ----

  /** Every listener call, in order, as plain fit makes them. */
  @Test
  void listenersAreCalledAsByPlainFit() {
    List<String> plain = listenerCalls(null);
    List<String> gov = listenerCalls(Policies.create("constant(lr=0.01)"));
    assertEquals(plain, gov);
    // 2 epochs of 10 batches: 20 of each per-step call, 2 epoch starts and ends
    assertEquals(20, plain.stream().filter(s -> s.startsWith("iterationDone")).count());
    assertEquals(20, plain.stream().filter(s -> s.startsWith("onGradientCalculation")).count());
    assertEquals(2, plain.stream().filter(s -> s.startsWith("onEpochEnd")).count());
  }

  static List<String> listenerCalls(Policy governed) {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    List<String> calls = new ArrayList<>();
    net.setListeners(
        new ScoreIterationListener(5),
        new BaseTrainingListener() {
          @Override
          public void iterationDone(Model m, int iteration, int epoch) {
            calls.add("iterationDone " + iteration + " " + epoch + " " + m.score());
          }

          @Override
          public void onEpochStart(Model m) {
            calls.add("onEpochStart " + epochs(m));
          }

          @Override
          public void onEpochEnd(Model m) {
            calls.add("onEpochEnd " + epochs(m));
          }

          @Override
          public void onForwardPass(Model m, List<INDArray> activations) {
            calls.add("onForwardPass " + activations.size());
          }

          @Override
          public void onGradientCalculation(Model m) {
            calls.add("onGradientCalculation");
          }

          @Override
          public void onBackwardPass(Model m) {
            calls.add("onBackwardPass");
          }
        });
    try (Governor g = governed == null ? null : Governor.attach(net, governed)) {
      DataSetIterator it = epochData();
      for (int e = 0; e < 2; e++) {
        net.fit(it);
        it.reset();
      }
      if (g != null) {
        assertEquals(20, g.step());
      }
    }
    return calls;
  }

  /** EarlyStoppingTrainer with Governor attached: the same epochs, scores and best model. */
  @Test
  void earlyStoppingTrainerRunsUnderGovernor() {
    EarlyStoppingResult<MultiLayerNetwork> plain = earlyStopping(null);
    EarlyStoppingResult<MultiLayerNetwork> gov =
        earlyStopping(Policies.create("constant(lr=0.01)"));
    assertEquals(
        EarlyStoppingResult.TerminationReason.EpochTerminationCondition,
        gov.getTerminationReason());
    assertEquals(4, gov.getTotalEpochs());
    assertEquals(plain.getScoreVsEpoch(), gov.getScoreVsEpoch());
    assertEquals(plain.getBestModelEpoch(), gov.getBestModelEpoch());
    assertNotNull(gov.getBestModel());
    assertTrue(
        Arrays.equals(floats(plain.getBestModel().params()), floats(gov.getBestModel().params())));
    // the best model is a plain network: its own fit runs ungoverned, without error
    gov.getBestModel().fit(batch(0));
  }

  /**
   * EarlyStoppingTrainer stopping early (no validation improvement for 2 epochs, at most 30) with
   * Governor attached: it stops at the same epoch as plain DL4J, for the same reason, and restores
   * the same best model, bit for bit.
   */
  @Test
  void earlyStoppingTrainerStopsAndRestoresTheBestModelUnderGovernor() {
    EarlyStoppingResult<MultiLayerNetwork> plain = stopsEarly(null);
    EarlyStoppingResult<MultiLayerNetwork> gov = stopsEarly(Policies.create("constant(lr=0.05)"));
    assertEquals(
        EarlyStoppingResult.TerminationReason.EpochTerminationCondition,
        gov.getTerminationReason());
    assertTrue(
        gov.getTerminationDetails().contains("ScoreImprovementEpochTerminationCondition"),
        gov.getTerminationDetails());
    assertTrue(gov.getTotalEpochs() < 30, "stopped early: " + gov.getTotalEpochs());
    assertEquals(plain.getTotalEpochs(), gov.getTotalEpochs());
    assertEquals(plain.getScoreVsEpoch(), gov.getScoreVsEpoch());
    assertEquals(plain.getBestModelEpoch(), gov.getBestModelEpoch());
    assertTrue(gov.getBestModelEpoch() < gov.getTotalEpochs() - 1, "the best is an earlier epoch");
    assertTrue(
        Arrays.equals(floats(plain.getBestModel().params()), floats(gov.getBestModel().params())));
  }

  static EarlyStoppingResult<MultiLayerNetwork> stopsEarly(Policy governed) {
    MultiLayerNetwork net = mlp(base(new Adam(0.05)));
    List<DataSet> val = new ArrayList<>();
    for (int t = 100; t < 104; t++) {
      val.add(batch(t));
    }
    EarlyStoppingConfiguration<MultiLayerNetwork> conf =
        new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
            .epochTerminationConditions(
                new MaxEpochsTerminationCondition(30),
                new ScoreImprovementEpochTerminationCondition(2))
            .scoreCalculator(new DataSetLossCalculator(new ListDataSetIterator<>(val, 1), true))
            .modelSaver(new InMemoryModelSaver<>())
            .build();
    try (Governor g = governed == null ? null : Governor.attach(net, governed)) {
      EarlyStoppingResult<MultiLayerNetwork> r =
          new EarlyStoppingTrainer(conf, net, epochData()).fit();
      if (g != null) {
        assertEquals(10L * r.getTotalEpochs(), g.step(), "every step of every epoch governed");
      }
      return r;
    }
  }

  static EarlyStoppingResult<MultiLayerNetwork> earlyStopping(Policy governed) {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    List<DataSet> val = new ArrayList<>();
    for (int t = 100; t < 104; t++) {
      val.add(batch(t));
    }
    EarlyStoppingConfiguration<MultiLayerNetwork> conf =
        new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
            .epochTerminationConditions(new MaxEpochsTerminationCondition(4))
            .scoreCalculator(new DataSetLossCalculator(new ListDataSetIterator<>(val, 1), true))
            .modelSaver(new InMemoryModelSaver<>())
            .build();
    try (Governor g = governed == null ? null : Governor.attach(net, governed)) {
      EarlyStoppingResult<MultiLayerNetwork> r =
          new EarlyStoppingTrainer(conf, net, epochData()).fit();
      if (g != null) {
        assertEquals(40, g.step());
      }
      return r;
    }
  }

  // ---- 4. save, load, continue; guards; misuse ----

  /**
   * Saved while attached: the configuration holds nothing of Governor, and the loaded copy trained
   * by plain fit continues exactly as the attached original under a constant policy.
   */
  @Test
  void savedWhileAttachedLoadsAsPlainDl4jAndContinuesExactly() throws Exception {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.01)"))) {
      for (int t = 0; t < 20; t++) {
        net.fit(batch(t));
      }
      assertEquals(20, g.step());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ModelSerializer.writeModel(net, bytes, true);
      String json = net.getLayerWiseConfigurations().toJson();
      assertFalse(json.contains("dev.governor") || json.contains("DecidedRate"), json);
      assertFalse(
          new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1).contains("governor"));
      MultiLayerNetwork loaded =
          ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()));
      for (int t = 20; t < 30; t++) {
        net.fit(batch(t));
        loaded.fit(batch(t));
        assertTrue(Arrays.equals(floats(net.params()), floats(loaded.params())), "step " + t);
      }
      assertEquals(30, loaded.getIterationCount());
    }
  }

  /**
   * Saved while attached, loaded in another JVM whose classpath has DL4J but no Governor class: it
   * loads and continues plain training exactly as the same file loaded here does.
   */
  @Test
  void savedWhileAttachedLoadsInAJvmWithoutGovernor(@TempDir Path dir) throws Exception {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    Path model = dir.resolve("model.zip");
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.02)"))) {
      for (int t = 0; t < 10; t++) {
        g.fit(batch(t));
      }
      ModelSerializer.writeModel(net, model.toFile(), true);
    }
    // here: load and continue 3 plain steps on the child's batches
    MultiLayerNetwork here = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), true);
    for (int t = 0; t < 3; t++) {
      here.fit(childBatch(t));
    }
    String expected = Arrays.toString(floats(here.params()));

    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(e);
      boolean governor =
          Files.isDirectory(p.resolve("dev/governor"))
              || p.getFileName().toString().startsWith("governor-");
      if (!governor && !e.isEmpty()) {
        cp.add(e);
      }
    }
    Path src = dir.resolve("LoadWithoutGovernor.java");
    Files.writeString(src, CHILD);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, cp)));
    cmd.addAll(List.of(src.toString(), model.toString()));
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, proc.waitFor(), out);
    assertTrue(out.contains("NO GOVERNOR ON THE CLASSPATH"), out);
    String params =
        out.lines().filter(l -> l.startsWith("PARAMS ")).findFirst().orElseThrow().substring(7);
    assertEquals(expected, params);
  }

  /** The child's batches: a closed form both JVMs compute identically. */
  static DataSet childBatch(int t) {
    float[] x = new float[8 * N_IN];
    float[] y = new float[8 * N_OUT];
    for (int k = 0; k < 8; k++) {
      for (int j = 0; j < N_IN; j++) {
        x[k * N_IN + j] = (float) Math.sin(1.0 + t + 0.7 * k + 0.3 * j);
      }
      y[k * N_OUT + (k + t) % N_OUT] = 1;
    }
    return new DataSet(Nd4j.create(x, new long[] {8, N_IN}), Nd4j.create(y, new long[] {8, N_OUT}));
  }

  static final String CHILD =
      String.join(
          "\n",
          "import java.util.Arrays;",
          "import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;",
          "import org.deeplearning4j.util.ModelSerializer;",
          "import org.nd4j.linalg.dataset.DataSet;",
          "import org.nd4j.linalg.factory.Nd4j;",
          "public class LoadWithoutGovernor {",
          "  public static void main(String[] a) throws Exception {",
          "    try {",
          "      Class.forName(\"dev.governor.trainers.Governor\");",
          "      System.out.println(\"GOVERNOR FOUND\");",
          "    } catch (ClassNotFoundException e) {",
          "      System.out.println(\"NO GOVERNOR ON THE CLASSPATH\");",
          "    }",
          "    MultiLayerNetwork n = ModelSerializer.restoreMultiLayerNetwork(new java.io.File(a[0]), true);",
          "    for (int t = 0; t < 3; t++) {",
          "      float[] x = new float[8 * 6];",
          "      float[] y = new float[8 * 3];",
          "      for (int k = 0; k < 8; k++) {",
          "        for (int j = 0; j < 6; j++) {",
          "          x[k * 6 + j] = (float) Math.sin(1.0 + t + 0.7 * k + 0.3 * j);",
          "        }",
          "        y[k * 3 + (k + t) % 3] = 1;",
          "      }",
          "      n.fit(new DataSet(Nd4j.create(x, new long[] {8, 6}), Nd4j.create(y, new long[] {8, 3})));",
          "    }",
          "    System.out.println(\"PARAMS \" + Arrays.toString(n.params().dup().data().asFloat()));",
          "  }",
          "}",
          "");

  /** After close, the network trains as plain DL4J at its configured rate. */
  @Test
  void closeDetachesCompletely() {
    MultiLayerNetwork b = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(b, Policies.create("constant(lr=0.03)"))) {
      for (int t = 0; t < 5; t++) {
        b.fit(batch(t));
      }
      assertEquals(0.03, g.lastObservation().lr(), 0.0);
    }
    assertTrue(b.getListeners().isEmpty());
    // the reference: DL4J's Adam at 0.03 for 5 steps, then at the configured 0.01
    MultiLayerNetwork ref =
        mlp(base(new Adam(new MapSchedule(ScheduleType.ITERATION, Map.of(0, 0.03, 5, 0.01)))));
    for (int t = 0; t < 10; t++) {
      ref.fit(batch(t));
      if (t >= 5) {
        b.fit(batch(t));
      }
    }
    assertTrue(Arrays.equals(floats(ref.params()), floats(b.params())));
  }

  /**
   * SKIP undoes the last update with the updater state and the iteration count (Adam's bias
   * correction reads it): the run equals a twin that never made that update.
   */
  @Test
  void skipRestoresParametersUpdaterStateAndIterationCount() {
    Hyperparameters h = Hyperparameters.of(0.01, Hyperparameters.NO_CLIP, 0);
    // after step 4 decide SKIP for step 5: the update of step 4 is undone
    Policy skip = actingAfter(h, 4, GuardAction.SKIP);
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    MultiLayerNetwork twin = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, skip)) {
      for (int t = 0; t < 10; t++) {
        net.fit(batch(t));
        if (t == 5) {
          assertEquals(1, g.lastEvents().size());
          assertEquals(dev.governor.telemetry.EventKind.SKIP, g.lastEvents().get(0).kind());
        }
      }
    }
    for (int t = 0; t < 10; t++) {
      if (t != 4) {
        twin.fit(batch(t));
      }
    }
    assertSameState("skip", 9, twin, net, true);
  }

  /**
   * The same SKIP on a BatchNorm network (its running statistics are parameters that the skipped
   * step changed too) and with each learning-rate-free method (whose own state is restored with the
   * parameters): the run equals a twin that never made the update of step 4.
   */
  @ParameterizedTest
  @ValueSource(strings = {"adam+batchnorm", "sf-adamw", "prodigy", "dog"})
  void skipRestoresBatchNormStatisticsAndLearningRateFreeState(String what) {
    boolean bn = what.equals("adam+batchnorm");
    Dl4jOptimizer o = bn ? Dl4jOptimizer.adam() : Dl4jOptimizer.parse(what);
    double lr = bn ? 0.01 : o.defaultLr();
    Hyperparameters h = Hyperparameters.of(lr, Hyperparameters.NO_CLIP, 0);
    Policy skip = actingAfter(h, 4, GuardAction.SKIP);
    Policy plain = new ScriptedPolicy(h, x -> h);
    MultiLayerNetwork net = bn ? batchNorm(new Adam(0.01)) : mlp(base(o.networkUpdater()));
    MultiLayerNetwork twin = bn ? batchNorm(new Adam(0.01)) : mlp(base(o.networkUpdater()));
    try (Governor g = Governor.attach(net, skip, o);
        Governor tg = Governor.attach(twin, plain, o)) {
      for (int t = 0; t < 10; t++) {
        net.fit(batch(t));
        if (t == 5) {
          assertEquals(dev.governor.telemetry.EventKind.SKIP, g.lastEvents().get(0).kind());
        }
        if (t != 4) {
          twin.fit(batch(t));
        }
      }
      g.evalMode();
      tg.evalMode();
      assertSameState(what, 9, twin, net, false);
    }
  }

  /**
   * An open-loop policy never decides a guard action, so no undo buffer is copied per step for it;
   * a closed-loop policy, or a schedule with gear (guard), keeps it.
   */
  @Test
  void anOpenLoopPolicyKeepsNoUndoBuffer() {
    String[] specs = {
      "constant(lr=0.01)", "cosine(lr=0.01, t-max=50)", "pi", "constant(lr=0.01, gear=standard)"
    };
    boolean[] keeps = {false, false, true, true};
    for (int i = 0; i < specs.length; i++) {
      try (Governor g = Governor.attach(mlp(base(new Adam(0.01))), Policies.create(specs[i]))) {
        assertEquals(keeps[i], ((EmbeddedGovernor) g).core().keepsUndoBuffer(), specs[i]);
      }
    }
  }

  /** ROLLBACK restores the snapshot of step 0: the state before any update, iteration 0. */
  @Test
  void rollbackRestoresTheSnapshotWithItsIterationCount() {
    Hyperparameters h = Hyperparameters.of(0.01, Hyperparameters.NO_CLIP, 0);
    Policy back = actingAfter(h, 6, GuardAction.ROLLBACK);
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    MultiLayerNetwork twin = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, back)) {
      for (int t = 0; t < 12; t++) {
        net.fit(batch(t));
        if (t == 7) {
          assertEquals(dev.governor.telemetry.EventKind.ROLLBACK, g.lastEvents().get(0).kind());
        }
      }
    }
    // steps 0..6 undone; steps 7..11 ran from the initial state
    for (int t = 7; t < 12; t++) {
      twin.fit(batch(t));
    }
    assertSameState("rollback", 5, twin, net, true);
  }

  /**
   * Without the undo buffer a SKIP restores the newest snapshot (step 0 here); without alignment
   * the observations carry NaN for it and for the sharpness.
   */
  @Test
  void builderOptionsTurnTheUndoBufferAndAlignmentOff() {
    Hyperparameters h = Hyperparameters.of(0.01, Hyperparameters.NO_CLIP, 0);
    Policy skip = actingAfter(h, 4, GuardAction.SKIP);
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    MultiLayerNetwork twin = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.builder(net, skip).undo(false).alignment(false).attach()) {
      for (int t = 0; t < 8; t++) {
        dev.governor.control.Observation o = g.fit(batch(t));
        assertTrue(Double.isNaN(o.alignment()) && Double.isNaN(o.sharpness()), o.toString());
        if (t == 5) {
          assertEquals(dev.governor.telemetry.EventKind.ROLLBACK, g.lastEvents().get(0).kind());
        }
      }
    }
    for (int t = 5; t < 8; t++) {
      twin.fit(batch(t));
    }
    assertSameState("skip without the undo buffer", 3, twin, net, false);
  }

  /** RESET returns to the state at attach: what follows equals a fresh network's training. */
  @Test
  void resetRestoresTheStateAtAttach() {
    Hyperparameters h = Hyperparameters.of(0.01, Hyperparameters.NO_CLIP, 0);
    Policy reset = actingAfter(h, 5, GuardAction.RESET);
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    MultiLayerNetwork twin = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, reset)) {
      for (int t = 0; t < 10; t++) {
        net.fit(batch(t));
        if (t == 6) {
          assertEquals(dev.governor.telemetry.EventKind.RESET, g.lastEvents().get(0).kind());
        }
      }
    }
    for (int t = 6; t < 10; t++) {
      twin.fit(batch(t));
    }
    assertSameState("reset", 4, twin, net, true);
  }

  @Test
  void replacingTheListenersMakesFitThrowInsteadOfTrainingUngoverned() {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.01)"))) {
      net.fit(batch(0));
      assertEquals(1, g.step());
      net.setListeners(new ScoreIterationListener(10));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batch(1)));
      assertTrue(e.getMessage().contains("addListeners"), e.getMessage());
    }
  }

  @Test
  void replacingTheUpdaterMakesFitThrowInsteadOfTrainingUngoverned() {
    MultiLayerNetwork net = mlp(base(new Adam(0.01)));
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.01)"))) {
      net.fit(batch(0));
      assertEquals(1, g.step());
      net.setLearningRate(0.02); // DL4J rebuilds the updater
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batch(1)));
      assertTrue(e.getMessage().contains("updater was replaced"), e.getMessage());
    }
  }

  /** The JNA that Chronicle's affinity needs is the one on the classpath (no stack trace). */
  @Test
  void oneJnaGenerationOnTheClasspath() throws Exception {
    assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"));
    com.sun.jna.Native.class.getMethod("load", String.class, Class.class);
    Class.forName(
        "net.openhft.affinity.impl.LinuxHelper$CLibrary", true, getClass().getClassLoader());
  }
}

package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The governed step against DL4J's own {@code fit} as the independent reference: same network, same
 * batch, the reference configured with the rate the governor decides.
 */
class GovernedStepTest {
  static final double NO = Hyperparameters.NO_CLIP;

  static MultiLayerNetwork tiny(IUpdater updater) {
    MultiLayerNetwork n =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(11)
                .updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(5)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    n.init();
    return n;
  }

  static DataSet batch(long seed) {
    LabeledData d = Datasets.synthetic(seed, 8, 1).train();
    // take 6 of the 784 pixels and 3 classes: a small, fixed, deterministic batch
    float[] x = new float[8 * 6];
    float[] y = new float[8 * 3];
    for (int k = 0; k < 8; k++) {
      for (int j = 0; j < 6; j++) {
        x[k * 6 + j] = d.x()[k * 784 + 300 + 3 * j] * 2 - 1;
      }
      y[k * 3 + d.y()[k] % 3] = 1;
    }
    return new DataSet(
        org.nd4j.linalg.factory.Nd4j.create(x, new long[] {8, 6}),
        org.nd4j.linalg.factory.Nd4j.create(y, new long[] {8, 3}));
  }

  static GovernedStep governed(MultiLayerNetwork n) {
    return new GovernedStep(Net.of(n), true, 100, 2, true);
  }

  @Test
  void sgdAtDecidedRateEqualsFitAtThatRate() {
    MultiLayerNetwork ref = tiny(new Sgd(0.05));
    MultiLayerNetwork gov = tiny(new Sgd(1.0)); // unit rate 1; the decision says 0.05
    assertEquals(ref.params(), gov.params());
    GovernedStep g = governed(gov);
    for (int t = 0; t < 5; t++) {
      DataSet b = batch(t);
      ref.fit(b);
      g.step(t, 0, b, Hyperparameters.of(0.05, NO, 0), null);
    }
    assertArrayEquals(ref.params().toDoubleVector(), gov.params().toDoubleVector(), 1e-6);
  }

  @Test
  void adamScaledByTheDecidedRateEqualsAdamAtThatRate() {
    MultiLayerNetwork ref = tiny(new Adam(0.02));
    MultiLayerNetwork gov = tiny(new Adam(1e-3));
    GovernedStep g = governed(gov);
    for (int t = 0; t < 6; t++) {
      DataSet b = batch(t);
      ref.fit(b);
      g.step(t, 0, b, Hyperparameters.of(0.02, NO, 0), null);
    }
    assertArrayEquals(ref.params().toDoubleVector(), gov.params().toDoubleVector(), 1e-5);
  }

  @Test
  void measuresTheMeanGradientNormAndClipsByGlobalNorm() {
    DataSet b = batch(3);
    // Reference gradient: DL4J's own, divided by the batch size (the updater's minibatch division).
    MultiLayerNetwork probe = tiny(new Sgd(1.0));
    probe.setInput(b.getFeatures());
    probe.setLabels(b.getLabels());
    probe.computeGradientAndScore();
    double refNorm = probe.getFlattenedGradients().norm2Number().doubleValue() / 8;
    double refLoss = probe.score();

    // SGD with lr 1 and clip c: θ' = θ − g · c/‖g‖, so ‖θ' − θ‖ = c exactly.
    MultiLayerNetwork gov = tiny(new Sgd(1.0));
    INDArray before = gov.params().dup();
    double c = refNorm / 4;
    Observation o = governed(gov).step(0, 0, b, Hyperparameters.of(1.0, c, 0), null);
    assertEquals(refNorm, o.gradNorm(), 1e-6 * refNorm);
    assertEquals(refLoss, o.loss(), 1e-6);
    assertTrue(o.clipped());
    double moved = gov.params().sub(before).norm2Number().doubleValue();
    assertEquals(c, moved, 1e-5 * c);
    assertEquals(c, o.updateNorm(), 1e-5 * c);
    assertEquals(before.norm2Number().doubleValue(), o.paramNorm(), 1e-5);
    // per-layer norms add up to the global ones
    double sq = 0;
    for (int i = 0; i < o.layerCount(); i++) {
      sq += o.layerGradNorm(i) * o.layerGradNorm(i);
    }
    assertEquals(o.gradNorm(), Math.sqrt(sq), 1e-9);
  }

  @Test
  void blasNormIsExactOnViewsAndPropagatesNanAndInf() {
    // 1..n has ‖x‖² = n(n+1)(2n+1)/6 (closed form); n = 300000 exceeds every BLAS block size.
    int n = 300_000;
    float[] v = new float[n + 7];
    for (int i = 0; i < n; i++) {
      v[i + 7] = i + 1;
    }
    INDArray all = Nd4j.createFromArray(v);
    INDArray view = all.get(NDArrayIndex.interval(7, n + 7)); // offset view into the buffer
    double ref = Math.sqrt((double) n * (n + 1) * (2.0 * n + 1) / 6);
    assertEquals(ref, StepMeasurement.norm(view), 1e-7 * ref);
    assertEquals(ref, StepMeasurement.norm(view.castTo(DataType.DOUBLE)), 1e-12 * ref);
    // strided view (every other element of 1..n: odd numbers 1,3,...) goes the fallback way
    INDArray odd = view.get(NDArrayIndex.interval(0, 2, n));
    double m = n / 2.0; // Σ_{k=1}^{m} (2k−1)² = m(2m−1)(2m+1)/3
    double refOdd = Math.sqrt(m * (2 * m - 1) * (2 * m + 1) / 3);
    assertEquals(refOdd, StepMeasurement.norm(odd), 1e-5 * refOdd);
    for (int at : new int[] {0, 12_345, n - 1}) {
      INDArray nan = view.dup();
      nan.putScalar(at, Float.NaN);
      assertTrue(Double.isNaN(StepMeasurement.norm(nan)), "NaN at " + at);
      INDArray inf = view.dup();
      inf.putScalar(at, Float.NEGATIVE_INFINITY);
      assertEquals(Double.POSITIVE_INFINITY, StepMeasurement.norm(inf), "-Inf at " + at);
    }
    // squares that underflow float (1e-40) take the nrm2 path: ‖(1e-20,...)‖ = 1e-20·√len
    INDArray tiny = Nd4j.valueArrayOf(new long[] {1000}, 1e-20f);
    assertEquals(
        1e-20 * Math.sqrt(1000), StepMeasurement.norm(tiny), 1e-6 * 1e-20 * Math.sqrt(1000));
    assertEquals(0.0, StepMeasurement.norm(Nd4j.zeros(DataType.FLOAT, 1000)));
    // squares beyond float range (1e40) must not overflow when the norm itself is a float
    INDArray big = Nd4j.createFromArray(1e20f, 2e20f);
    assertEquals(Math.sqrt(5) * 1e20, StepMeasurement.norm(big), 1e-6 * 2.3e20);
  }

  @Test
  void weightDecayIsDecoupledAndCoupledToTheRate() {
    // SGD: θ' = θ − η g − η λ θ. Reference: fit at η, then subtract η λ θ₀ by hand.
    DataSet b = batch(4);
    double lr = 0.1;
    double wd = 0.3;
    MultiLayerNetwork ref = tiny(new Sgd(lr));
    INDArray theta0 = ref.params().dup();
    ref.fit(b);
    INDArray expected = ref.params().sub(theta0.mul(lr * wd));
    MultiLayerNetwork gov = tiny(new Sgd(1.0));
    governed(gov).step(0, 0, b, Hyperparameters.of(lr, NO, wd), null);
    assertArrayEquals(expected.toDoubleVector(), gov.params().toDoubleVector(), 1e-6);
  }

  @Test
  void perLayerMultipliersScaleEachLayersUpdate() {
    DataSet b = batch(5);
    MultiLayerNetwork one = tiny(new Sgd(1.0));
    MultiLayerNetwork two = tiny(new Sgd(1.0));
    INDArray theta0 = one.params().dup();
    governed(one).step(0, 0, b, Hyperparameters.of(0.1, NO, 0), null);
    governed(two)
        .step(0, 0, b, Hyperparameters.of(0.1, NO, 0).withLayerLrMultipliers(0.5, 3.0), null);
    INDArray d1 = one.params().sub(theta0);
    INDArray d2 = two.params().sub(theta0);
    long n0 = one.getLayer(0).numParams();
    long n = theta0.length();
    for (long i = 0; i < n; i++) {
      double m = i < n0 ? 0.5 : 3.0;
      assertEquals(m * d1.getDouble(i), d2.getDouble(i), 1e-6);
    }
  }

  @Test
  void alignmentOfTheSameBatchTwiceAtATinyRateIsOne() {
    MultiLayerNetwork gov = tiny(new Sgd(1.0));
    GovernedStep g = governed(gov);
    DataSet b = batch(6);
    Observation o0 = g.step(0, 0, b, Hyperparameters.of(1e-7, NO, 0), null);
    Observation o1 = g.step(1, 0, b, Hyperparameters.of(1e-7, NO, 0), null);
    assertTrue(Double.isNaN(o0.alignment()));
    assertEquals(1.0, o1.alignment(), 1e-4);
  }

  @Test
  void multipliersForAnotherLayerCountAreRefusedBeforeAnythingChanges() {
    MultiLayerNetwork gov = tiny(new Sgd(1.0));
    INDArray before = gov.params().dup();
    GovernedStep g = governed(gov);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                g.step(
                    0,
                    0,
                    batch(1),
                    Hyperparameters.of(0.1, NO, 0).withLayerLrMultipliers(1, 1, 1),
                    null));
    assertTrue(e.getMessage().contains("2 entries"), e.getMessage());
    assertEquals(before, gov.params());
  }

  @Test
  void skipRestoresParametersAndUpdaterStateOfBeforeTheLastStep() {
    MultiLayerNetwork gov = tiny(new Adam(1e-3));
    GovernedStep g = governed(gov);
    Hyperparameters h = Hyperparameters.of(0.01, NO, 0);
    g.step(0, 0, batch(0), h, null);
    INDArray params1 = gov.params().dup();
    INDArray state1 = gov.getUpdater().getStateViewArray().dup();
    int it1 = gov.getIterationCount();
    g.step(1, 0, batch(1), h, null); // the update to undo
    // Reference: a twin that never ran step 1, then runs batch(2).
    MultiLayerNetwork twin = tiny(new Adam(1e-3));
    GovernedStep tg = governed(twin);
    tg.step(0, 0, batch(0), h, null);
    assertEquals(params1, twin.params());
    assertEquals(state1, twin.getUpdater().getStateViewArray());
    g.step(2, 0, batch(2), h.withAction(dev.governor.control.GuardAction.SKIP), null);
    tg.step(1, 0, batch(2), h, null);
    assertEquals(it1 + 1, gov.getIterationCount());
    assertArrayEquals(twin.params().toDoubleVector(), gov.params().toDoubleVector(), 0.0);
    assertEquals(dev.governor.telemetry.EventKind.SKIP, g.drainEvents().get(0).kind());
  }
}

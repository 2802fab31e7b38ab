package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.telemetry.EventKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The learning-rate-free optimizers under the same safety gear as Adam: SKIP and ROLLBACK restore
 * their complete state, checkpoints resume bit for bit, Schedule-Free evaluates at x. References
 * are twins that never ran the undone steps, or runs that were never interrupted.
 */
class LrFreeRunTest {
  @TempDir Path tmp;

  static final Datasets.Split DATA = Datasets.synthetic(3, 1200, 300);

  static double lr(String optimizer) {
    return Dl4jOptimizer.parse(optimizer).defaultLr();
  }

  static GovernedStep governed(MultiLayerNetwork n, String optimizer) {
    return new GovernedStep(Net.of(n), true, 2, 2, true, Dl4jOptimizer.parse(optimizer));
  }

  static void assertSameState(GovernedStep expected, GovernedStep actual, String what) {
    assertArrayEquals(
        expected.net().params().toDoubleVector(),
        actual.net().params().toDoubleVector(),
        0.0,
        what + " params");
    if (expected.method() == null) {
      assertArrayEquals(
          expected.net().updater().getStateViewArray().toDoubleVector(),
          actual.net().updater().getStateViewArray().toDoubleVector(),
          0.0,
          what + " updater state");
      assertEquals(expected.net().iteration(), actual.net().iteration(), what + " iteration");
      return;
    }
    FlatOptimizer.State e = expected.method().copy();
    FlatOptimizer.State a = actual.method().copy();
    assertArrayEquals(e.scalars(), a.scalars(), 0.0, what + " scalars");
    assertArrayEquals(e.vectors().toDoubleVector(), a.vectors().toDoubleVector(), 0.0, what);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sf-adamw", "prodigy", "dog"})
  void skipRestoresParametersAndTheCompleteOptimizerState(String optimizer) {
    Hyperparameters h = Hyperparameters.of(lr(optimizer), 1.0, 1e-3);
    MultiLayerNetwork gov = GovernedStepTest.tiny(new Sgd(1.0));
    GovernedStep g = governed(gov, optimizer);
    g.step(0, 0, GovernedStepTest.batch(0), h, null);
    g.step(1, 0, GovernedStepTest.batch(1), h, null);
    g.step(2, 0, GovernedStepTest.batch(2), h, null); // the update to undo
    g.step(3, 0, GovernedStepTest.batch(3), h.withAction(GuardAction.SKIP), null);
    // Reference: a twin that never ran step 2.
    MultiLayerNetwork twin = GovernedStepTest.tiny(new Sgd(1.0));
    GovernedStep tg = governed(twin, optimizer);
    tg.step(0, 0, GovernedStepTest.batch(0), h, null);
    tg.step(1, 0, GovernedStepTest.batch(1), h, null);
    tg.step(2, 0, GovernedStepTest.batch(3), h, null);
    assertSameState(tg, g, optimizer + " after SKIP");
    assertEquals(3, g.method().scalars()[0], optimizer + " step count k");
    assertEquals(EventKind.SKIP, g.drainEvents().get(0).kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sf-adamw", "prodigy", "dog"})
  void rollbackRestoresTheNewestSnapshotWithTheOptimizerState(String optimizer) {
    Hyperparameters h = Hyperparameters.of(lr(optimizer), 1.0, 0);
    MultiLayerNetwork gov = GovernedStepTest.tiny(new Sgd(1.0));
    GovernedStep g = governed(gov, optimizer); // snapshot every 2 steps, ring of 2
    for (int t = 0; t < 5; t++) {
      g.step(t, 0, GovernedStepTest.batch(t), h, null);
    }
    // the newest snapshot was pushed at step 4, before its update: the state after steps 0..3
    g.step(5, 0, GovernedStepTest.batch(5), h.withAction(GuardAction.ROLLBACK), null);
    MultiLayerNetwork twin = GovernedStepTest.tiny(new Sgd(1.0));
    GovernedStep tg = governed(twin, optimizer);
    for (int t = 0; t < 4; t++) {
      tg.step(t, 0, GovernedStepTest.batch(t), h, null);
    }
    tg.step(4, 0, GovernedStepTest.batch(5), h, null);
    assertSameState(tg, g, optimizer + " after ROLLBACK");
    assertEquals(EventKind.ROLLBACK, g.drainEvents().get(0).kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"adam", "sf-adamw", "prodigy", "dog"})
  void resetRestoresTheStartStateAndEmptiesTheRing(String optimizer) {
    Hyperparameters h = Hyperparameters.of(lr(optimizer), 1.0, 0);
    org.nd4j.linalg.learning.config.IUpdater u =
        optimizer.equals("adam")
            ? new org.nd4j.linalg.learning.config.Adam(lr(optimizer))
            : new Sgd(1.0);
    GovernedStep g = governed(GovernedStepTest.tiny(u), optimizer);
    for (int t = 0; t < 5; t++) {
      g.step(t, 0, GovernedStepTest.batch(t), h, null);
    }
    // RESET before step 5: the state the net was built with, then step 5's update on batch 5
    g.step(5, 0, GovernedStepTest.batch(5), h.withAction(GuardAction.RESET), null);
    GovernedStep twin = governed(GovernedStepTest.tiny(u), optimizer);
    twin.step(0, 0, GovernedStepTest.batch(5), h, null);
    assertSameState(twin, g, optimizer + " after RESET");
    assertEquals(EventKind.RESET, g.drainEvents().get(0).kind());
    // the ring held snapshots of the discarded steps; after the reset only step 6's is there (the
    // snapshot is pushed before step 6's update), so a ROLLBACK before step 7 returns to the state
    // after the reset step
    g.step(6, 0, GovernedStepTest.batch(6), h, null);
    g.step(7, 0, GovernedStepTest.batch(7), h.withAction(GuardAction.ROLLBACK), null);
    twin.step(1, 0, GovernedStepTest.batch(7), h, null);
    assertSameState(twin, g, optimizer + " after RESET then ROLLBACK");
  }

  /** A small 784-32-10 network (the MLP's structure, 25k parameters) for the run tests. */
  static MultiLayerNetwork small(long seed, Dl4jOptimizer o) {
    MultiLayerNetwork n =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(o.networkUpdater())
                .list()
                .layer(
                    new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(32)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    n.init();
    return n;
  }

  static Dl4jTrainer trainer(long modelSeed, String optimizer) {
    Dl4jOptimizer o = Dl4jOptimizer.parse(optimizer);
    MultiLayerNetwork net = small(modelSeed, o);
    return Dl4jTrainer.builder(net, DATA.train())
        .batch(32)
        .seed(9)
        .validation(DATA.test(), 10)
        .snapshots(10, 2)
        .optimizer(o)
        .build();
  }

  /** ReduceLROnPlateau on the optimizer's own lr: decisions that depend on every loss. */
  static Policy plateau(String optimizer) {
    return Policies.create(
        "plateau(lr=" + lr(optimizer) + ", patience=3, factor=0.5, clip=2.0, wd=1e-4)");
  }

  static List<String> decisions(GovernedRun run, int steps) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      Observation o = run.step();
      Decision d = run.lastDecision();
      out.add(
          o.step()
              + " loss="
              + Double.doubleToRawLongBits(o.loss())
              + " val="
              + Double.doubleToRawLongBits(o.valLoss())
              + " upd="
              + Double.doubleToRawLongBits(o.updateNorm())
              + " lr="
              + Double.doubleToRawLongBits(d.lr));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sf-adamw", "prodigy", "dog", "sf-adamw(warmup=20)"})
  void resumedRunContinuesBitForBit(String optimizer) throws Exception {
    List<String> straight;
    double[] straightParams;
    try (GovernedRun a = GovernedRun.of(trainer(1, optimizer), plateau(optimizer), null)) {
      straight = decisions(a, 50);
      straightParams = ((MultiLayerNetwork) a.trainer().model()).params().toDoubleVector();
    }
    List<String> resumed = new ArrayList<>();
    Path ckpt = tmp.resolve("ckpt-" + optimizer.replaceAll("[^a-z0-9]", "-"));
    try (GovernedRun b = GovernedRun.of(trainer(1, optimizer), plateau(optimizer), null)) {
      resumed.addAll(decisions(b, 27));
      b.checkpoint(ckpt); // undo buffer valid, two snapshots in the ring
      resumed.addAll(decisions(b, 1)); // saving did not disturb the run itself
    }
    // another model seed: everything must come from the checkpoint
    try (GovernedRun c = GovernedRun.of(trainer(2, optimizer), plateau(optimizer), null)) {
      c.resume(ckpt);
      assertEquals(27, c.nextStep());
      assertFalse(c.trainer().inEvalMode());
      List<String> again = decisions(c, 23);
      assertEquals(resumed.get(27), again.get(0), "the step after the checkpoint");
      resumed.addAll(again.subList(1, again.size()));
      assertArrayEquals(
          straightParams,
          ((MultiLayerNetwork) c.trainer().model()).params().toDoubleVector(),
          0.0,
          optimizer + " final parameters");
    }
    assertEquals(straight, resumed);
  }

  @Test
  void aCheckpointOfAnotherOptimizerIsRefused() throws Exception {
    Path ckpt = tmp.resolve("dog");
    Dl4jTrainer t = trainer(1, "dog");
    t.step(0, Hyperparameters.of(1, Hyperparameters.NO_CLIP, 0));
    t.saveCheckpoint(ckpt);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> trainer(1, "prodigy").loadCheckpoint(ckpt));
    assertTrue(
        e.getMessage().contains("dog") && e.getMessage().contains("prodigy"), e.getMessage());
  }

  @Test
  void scheduleFreeEvaluatesValidatesAndSavesAtXAndTrainsAtY() throws Exception {
    Dl4jTrainer t = trainer(4, "sf-adamw");
    MultiLayerNetwork net = (MultiLayerNetwork) t.model();
    Hyperparameters h = Hyperparameters.of(0.0025, Hyperparameters.NO_CLIP, 0);
    for (int i = 0; i < 30; i++) {
      t.step(i, h);
    }
    INDArray y = net.params().dup();
    t.evalMode();
    assertTrue(t.inEvalMode());
    INDArray x = net.params().dup();
    assertThrows(IllegalStateException.class, () -> t.step(30, h));
    t.trainMode();
    assertEquals(y, net.params()); // bit for bit
    // x = y + (1 − 1/β1)(z − y) differs from y after 30 steps
    double gap = x.sub(y).norm2Number().doubleValue();
    assertTrue(gap > 1e-3, "x and y must differ, but |x - y| = " + gap);

    // loss on the test set at x and at y, computed on a copy of the network
    MultiLayerNetwork probe = net.clone();
    DataSet test = BatchStream.all(DATA.test(), 0, DATA.test().size());
    probe.params().assign(x);
    double lossX = probe.score(test, false);
    probe.params().assign(y);
    double lossY = probe.score(test, false);
    assertTrue(Math.abs(lossX - lossY) > 1e-4, lossX + " vs " + lossY);
    Evaluation e = t.evaluate(DATA.test());
    assertEquals(lossX, e.loss(), 1e-9 * lossX, "evaluate() must score x");
    assertFalse(t.inEvalMode(), "evaluate() returns to the mode it found");
    assertEquals(y, net.params());

    // the validation loss of step 30 (a validation step) is measured at x
    Observation o = t.step(30, h);
    probe.params().assign(x);
    assertEquals(lossX, o.valLoss(), 1e-9 * lossX, "the validation loss must be measured at x");

    // the checkpoint's model.zip holds x (what a user deploys); the trainer stays at y
    INDArray y31 = net.params().dup();
    t.evalMode();
    INDArray x31 = net.params().dup();
    t.trainMode();
    Path ckpt = tmp.resolve("sf");
    t.saveCheckpoint(ckpt);
    assertEquals(y31, net.params());
    MultiLayerNetwork saved =
        ModelSerializer.restoreMultiLayerNetwork(ckpt.resolve("model.zip").toFile(), false);
    assertEquals(x31, saved.params());
    assertNotEquals(y31, saved.params());
  }

  @Test
  void otherOptimizersEvaluateAtTheirParametersAndTheModeStillGuardsSteps() {
    Dl4jTrainer t = trainer(5, "prodigy");
    Hyperparameters h = Hyperparameters.of(1, Hyperparameters.NO_CLIP, 0);
    t.step(0, h);
    INDArray before = ((MultiLayerNetwork) t.model()).params().dup();
    t.evalMode();
    assertEquals(before, ((MultiLayerNetwork) t.model()).params());
    assertThrows(IllegalStateException.class, () -> t.step(1, h));
    t.trainMode();
    t.step(1, h);
  }

  @Test
  void aComputationGraphTrainsWithAnLrFreeOptimizer() {
    Dl4jOptimizer o = Dl4jOptimizer.parse("prodigy");
    ComputationGraph g =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(o.networkUpdater())
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                    "h",
                    new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build(),
                    "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(32)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "h")
                .setOutputs("out")
                .build());
    g.init();
    Dl4jTrainer t = Dl4jTrainer.builder(g, DATA.train()).batch(32).seed(2).optimizer(o).build();
    double acc0 = t.evaluate(DATA.test()).accuracy();
    Hyperparameters h = Hyperparameters.of(1, Hyperparameters.NO_CLIP, 0);
    for (int i = 0; i < 60; i++) {
      t.step(i, h);
    }
    double acc = t.evaluate(DATA.test()).accuracy();
    assertTrue(acc > acc0 + 0.2 && acc > 0.5, acc0 + " -> " + acc);
  }

  @Test
  void embeddedGovernorRunsAnLrFreeOptimizerWithTheEvalSwitch() {
    Dl4jOptimizer sf = Dl4jOptimizer.parse("sf-adamw");
    Path dir = tmp.resolve("embedded");
    MultiLayerNetwork adamNet = small(1, Dl4jOptimizer.adam());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Governor.attach(adamNet, Policies.create("constant(lr=0.0025)"), sf, dir));
    assertTrue(e.getMessage().contains("Sgd(1.0)"), e.getMessage());
    assertFalse(java.nio.file.Files.exists(dir), "refused before the run folder is made");

    MultiLayerNetwork net = small(1, sf);
    BatchStream s = new BatchStream(DATA.train(), 32, 1);
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.0025)"), sf, dir)) {
      for (int i = 0; i < 10; i++) {
        g.fit(s.next());
      }
      INDArray y = net.params().dup();
      g.evalMode();
      assertTrue(g.inEvalMode());
      assertNotEquals(y, net.params()); // x
      DataSet b = s.next();
      assertThrows(IllegalStateException.class, () -> g.fit(b));
      g.trainMode();
      assertEquals(y, net.params());
      g.fit(b);
      assertEquals(11, g.step());
    }
    assertEquals(
        "sf-adamw", dev.governor.telemetry.RunFolder.open(dir).header().config().get("optimizer"));
  }

  @Test
  void modelsStartFromTheSameWeightsWhateverTheOptimizer() {
    INDArray adam = Models.create("mlp", DATA.train(), 7).params();
    for (String o : Dl4jOptimizer.names()) {
      assertEquals(adam, Models.create("mlp", DATA.train(), 7, Dl4jOptimizer.parse(o)).params(), o);
    }
  }
}

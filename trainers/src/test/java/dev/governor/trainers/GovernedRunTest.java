package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.LogScan;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.testkit.RunContents;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class GovernedRunTest {
  @TempDir Path tmp;

  static final Datasets.Split DATA = Datasets.synthetic(3, 1200, 300);

  static Dl4jTrainer trainer(long modelSeed) {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), modelSeed);
    return Dl4jTrainer.builder(net, DATA.train())
        .batch(32)
        .seed(9)
        .validation(DATA.test(), 10)
        .snapshots(10, 2)
        .build();
  }

  /** A feedback policy whose decisions depend on the observed loss (PyTorch ReduceLROnPlateau). */
  static Policy plateau() {
    return Policies.create("plateau(lr=0.003, patience=3, factor=0.5)");
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
              + " align="
              + Double.doubleToRawLongBits(o.alignment())
              + " lr="
              + Double.doubleToRawLongBits(d.lr));
    }
    return out;
  }

  @Test
  void resumedRunMakesExactlyTheDecisionsOfTheUninterruptedRun() throws Exception {
    List<String> straight;
    try (GovernedRun a = GovernedRun.of(trainer(1), plateau(), null)) {
      straight = decisions(a, 60);
    }
    List<String> resumed = new ArrayList<>();
    Path ckpt = tmp.resolve("ckpt");
    try (GovernedRun b = GovernedRun.of(trainer(1), plateau(), null)) {
      resumed.addAll(decisions(b, 33));
      b.checkpoint(ckpt);
    }
    // A fresh process would build everything anew: another model seed proves the state is loaded.
    try (GovernedRun c = GovernedRun.of(trainer(2), plateau(), null)) {
      c.resume(ckpt);
      assertEquals(33, c.nextStep());
      resumed.addAll(decisions(c, 27));
    }
    assertEquals(straight, resumed);
    // the plateau policy did act: the rate changed at least once
    assertTrue(straight.stream().map(s -> s.substring(s.indexOf("lr="))).distinct().count() > 1);
  }

  @Test
  void savedModelLoadsWithModelSerializerAndKeepsTraining() throws Exception {
    Dl4jTrainer t = trainer(4);
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.002)"), null)) {
      for (int i = 0; i < 20; i++) {
        run.step();
      }
      MultiLayerNetwork net = (MultiLayerNetwork) t.model();
      Path f = tmp.resolve("model.zip");
      ModelSerializer.writeModel(net, f.toFile(), true);
      MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(f.toFile(), true);
      assertEquals(net.params(), loaded.params());
      assertEquals(net.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
      // governed training continues identically on the loaded copy (one attachment per network:
      // the trainer's is closed first)
      t.close();
      GovernedStep original = new GovernedStep(Net.of(net), false, 100, 0, false);
      GovernedStep copy = new GovernedStep(Net.of(loaded), false, 100, 0, false);
      BatchStream s1 = new BatchStream(DATA.train(), 32, 77);
      BatchStream s2 = new BatchStream(DATA.train(), 32, 77);
      Hyperparameters h = Hyperparameters.of(0.002, 5.0, 1e-4);
      for (int i = 0; i < 10; i++) {
        original.step(20 + i, 0, s1.next(), h, null);
        copy.step(20 + i, 0, s2.next(), h, null);
      }
      assertArrayEquals(net.params().toDoubleVector(), loaded.params().toDoubleVector(), 0.0);
      // and, detached, plain DL4J fit still works on it (the configured rate, 1e-3)
      original.close();
      copy.close();
      double before = loaded.score(BatchStream.all(DATA.test(), 0, 300));
      for (int i = 0; i < 30; i++) {
        loaded.fit(s2.next());
      }
      double after = loaded.score(BatchStream.all(DATA.test(), 0, 300));
      assertTrue(Double.isFinite(after) && after < before, before + " -> " + after);
    }
  }

  @Test
  void nanInABatchTriggersSkipAndTheRunFinishes() throws Exception {
    runWithNaN(ScriptedPolicy.skipOnNaN(0.002), EventKind.SKIP);
  }

  @Test
  void nanInABatchTriggersRollbackAndTheRunFinishes() throws Exception {
    runWithNaN(ScriptedPolicy.rollbackOnNaN(0.002), EventKind.ROLLBACK);
  }

  private void runWithNaN(Policy policy, EventKind expected) throws Exception {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), 5);
    Dl4jTrainer t =
        Dl4jTrainer.builder(net, DATA.train())
            .batch(32)
            .seed(9)
            .snapshots(10, 2)
            .batchHook(
                (step, b) -> {
                  if (step == 25) {
                    b.getFeatures().putScalar(0, 3, Float.NaN);
                  }
                })
            .build();
    RunFolder folder =
        RunFolder.create(tmp.resolve("run"), RunHeader.of("run", policy.spec(), Map.of(), 9));
    List<TrainerEvent> events = new ArrayList<>();
    Observation last = null;
    try (GovernedRun run = GovernedRun.of(t, policy, folder)) {
      for (int i = 0; i < 60; i++) {
        last = run.step();
        events.addAll(run.lastEvents());
        if (i == 25) {
          assertTrue(!Double.isFinite(last.loss()), "the NaN batch yields a NaN loss");
          assertEquals(
              expected == EventKind.SKIP ? GuardAction.SKIP : GuardAction.ROLLBACK,
              run.next().action());
        }
      }
    }
    assertEquals(1, events.size(), events.toString());
    assertEquals(expected, events.get(0).kind());
    assertEquals(26, events.get(0).step());
    assertTrue(Double.isFinite(last.loss()) && Double.isFinite(last.paramNorm()), last.toString());
    assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()));
    Evaluation e = t.evaluate(DATA.test());
    assertTrue(e.accuracy() > 0.3, "still learns after the NaN: " + e);
    // the event is in the telemetry queue
    try (TelemetryLog log = TelemetryLog.openReadOnly(folder.telemetryDir())) {
      LogScan scan = log.scan();
      assertEquals(60, scan.observations());
      assertEquals(1, scan.events());
    }
  }

  @Test
  void anInvalidDecisionNeverReachesTheNetwork() {
    Hyperparameters h = Hyperparameters.of(0.002, Hyperparameters.NO_CLIP, 0);
    // valid for 5 steps, then lr = NaN
    Policy bad = new ScriptedPolicy(h, o -> o.step() < 5 ? h : null);
    Dl4jTrainer t = trainer(6);
    try (GovernedRun run = GovernedRun.of(t, bad, null)) {
      for (int i = 0; i < 5; i++) {
        run.step();
      }
      INDArray before = ((MultiLayerNetwork) t.model()).params().dup();
      IllegalStateException e = assertThrows(IllegalStateException.class, run::step);
      assertTrue(e.getMessage().contains("lr must be finite"), e.getMessage());
      // the step that ran used the last valid decision; nothing after it was applied
      assertEquals(h, run.next());
      assertEquals(6, t.nextStep());
      INDArray after = ((MultiLayerNetwork) t.model()).params();
      // one more (valid) step ran before the policy misbehaved; its update is finite
      assertTrue(Double.isFinite(after.sub(before).norm2Number().doubleValue()));
    }
  }

  @Test
  void embeddedGovernorRecordsEveryStepInTheRunFolder() throws Exception {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), 8);
    BatchStream s = new BatchStream(DATA.train(), 50, 1);
    Path dir = tmp.resolve("embedded");
    try (Governor g = Governor.attach(net, Policies.create("cosine(lr=0.003, t-max=40)"), dir)) {
      for (int i = 0; i < 40; i++) {
        g.fit(s.next());
      }
      assertEquals(40, g.step());
    }
    RunFolder f = RunFolder.open(dir);
    assertEquals("cosine", f.header().policy().name());
    List<Observation> observed = RunContents.observations(dir);
    assertEquals(40, observed.size());
    for (int n = 0; n < observed.size(); n++) {
      assertEquals(n, observed.get(n).step());
    }
    assertEquals(0.003, observed.get(0).lr(), 0.0);
  }

  @Test
  void computationGraphTrainsUnderGovernance() {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .updater(new Adam(1e-3))
            .graphBuilder()
            .addInputs("in")
            .addLayer(
                "h",
                new DenseLayer.Builder().nIn(784).nOut(64).activation(Activation.RELU).build(),
                "in")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(64)
                    .nOut(10)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "h")
            .setOutputs("out")
            .build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    Dl4jTrainer t = Dl4jTrainer.builder(g, DATA.train()).batch(32).seed(2).build();
    double acc0 = t.evaluate(DATA.test()).accuracy();
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.003)"), null)) {
      for (int i = 0; i < 80; i++) {
        run.step();
      }
    }
    assertEquals(2, t.layerCount());
    double acc = t.evaluate(DATA.test()).accuracy();
    assertTrue(acc > acc0 + 0.2 && acc > 0.5, acc0 + " -> " + acc);
  }

  @Test
  void realFashionMnistMlpLearnsOnASubset() {
    assumeTrue(
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR),
        "dataset-fashion-mnist is not installed");
    Datasets.Split s = Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR);
    LabeledData train = s.train().head(6000);
    LabeledData test = s.test().head(2000);
    Dl4jTrainer t =
        Dl4jTrainer.builder(Models.create("mlp", train, 1), train).batch(64).seed(1).build();
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.001)"), null)) {
      for (int i = 0; i < 2 * t.stepsPerEpoch(); i++) {
        run.step();
      }
    }
    Evaluation e = t.evaluate(test);
    // Two epochs on 6000 images: a plain MLP is well above 0.75 (10 classes, chance 0.1).
    assertTrue(e.accuracy() > 0.75, e.toString());
  }
}

package dev.governor.trainers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The checkpoint of a {@link Dl4jTrainer} (format {@code governor-dl4j-checkpoint-1}): {@code
 * model.zip} (DL4J's own, with the updater), {@code trainer.properties} (data position, step,
 * scalar state as raw bits, early stopping) and one ND4J binary file per array (the optimizer's
 * state and train point, the previous gradient, the undo buffer, each snapshot of the ring, the
 * best parameters). A resumed trainer makes exactly the steps of an uninterrupted one.
 */
final class Dl4jCheckpoint {
  private Dl4jCheckpoint() {}

  /**
   * Writes the checkpoint of a trainer in evaluation mode (model.zip holds the evaluation point):
   * the model and its updater, the optimizer's own state, the data position {@code stream}, the
   * previous gradient, the undo buffer and the snapshot ring of {@code core}, {@code nextStep}, and
   * with {@code early} its state and the best parameters.
   */
  static void write(Path dir, GovernedStep core, Batches stream, long nextStep, Dl4jEarlyStop early)
      throws IOException {
    Files.createDirectories(dir);
    core.net().save(dir.resolve("model.zip").toFile());
    StepCheckpoint e = core.extra();
    Properties p = new Properties();
    p.setProperty("format", "governor-dl4j-checkpoint-1");
    p.setProperty("optimizer", core.optimizer().toString());
    FlatOptimizer method = core.method();
    if (method != null) {
      writeState(dir, "optimizer", p, method.copy());
      writeArray(dir.resolve("train-params.bin"), method.trainPoint());
      writeState(dir, "undo-optimizer", p, e.undoOptimizerState());
    }
    p.setProperty("nextStep", Long.toString(nextStep));
    p.setProperty("epoch", Integer.toString(stream.epoch()));
    p.setProperty("cursor", Integer.toString(stream.cursor()));
    p.setProperty("havePrev", Boolean.toString(e.havePrev()));
    p.setProperty("prevUpdateNorm", Long.toString(Double.doubleToRawLongBits(e.prevUpdateNorm())));
    p.setProperty("prevGradNormSq", Long.toString(Double.doubleToRawLongBits(e.prevGradNormSq())));
    p.setProperty("prevInv", Long.toString(Double.doubleToRawLongBits(e.prevInv())));
    p.setProperty("undoValid", Boolean.toString(e.undoValid()));
    p.setProperty("undoIteration", Integer.toString(e.undoIteration()));
    p.setProperty("ring", Integer.toString(e.ring().size()));
    if (early != null) {
      early.monitor().save(p, "earlyStop.");
      writeArray(dir.resolve("best-params.bin"), early.bestParams());
    }
    writeArray(dir.resolve("prev-grad.bin"), e.prevGrad());
    writeArray(dir.resolve("undo-params.bin"), e.undoParams());
    writeArray(dir.resolve("undo-state.bin"), e.undoState());
    for (int i = 0; i < e.ring().size(); i++) {
      StepUndo.Snapshot s = e.ring().get(i);
      p.setProperty("ring." + i + ".step", Long.toString(s.step()));
      p.setProperty("ring." + i + ".iteration", Integer.toString(s.iteration()));
      writeArray(dir.resolve("ring-" + i + "-params.bin"), s.params());
      writeArray(dir.resolve("ring-" + i + "-state.bin"), s.updaterState());
      if (method != null) {
        writeState(dir, "ring-" + i + "-optimizer", p, s.optimizerState());
      }
    }
    try (OutputStream out = Files.newOutputStream(dir.resolve("trainer.properties"))) {
      p.store(out, "Governor DL4J trainer checkpoint");
    }
  }

  /** What {@link #read} restores that the trainer itself holds. */
  record Restored(long nextStep, INDArray bestParams) {}

  /**
   * Restores a checkpoint {@link #write} wrote into {@code core}, {@code stream} and {@code early}
   * (null: none), and returns the next step and the best parameters.
   *
   * @throws IllegalArgumentException naming the checkpoint when its format, optimizer, parameter
   *     count or early-stopping state does not fit this trainer
   */
  static Restored read(Path dir, GovernedStep core, Batches stream, Dl4jEarlyStop early)
      throws IOException {
    Path props = dir.resolve("trainer.properties");
    if (!Files.isRegularFile(props)) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no trainer.properties");
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(props)) {
      p.load(in);
    }
    if (!"governor-dl4j-checkpoint-1".equals(p.getProperty("format"))) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " must have format governor-dl4j-checkpoint-1, but had "
              + p.getProperty("format"));
    }
    String opt = p.getProperty("optimizer", "adam");
    if (!core.optimizer().toString().equals(opt)) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " is of optimizer "
              + opt
              + ", but this trainer's is "
              + core.optimizer());
    }
    core.evalPoint().trainMode();
    Net net = core.net();
    Model loaded =
        net instanceof Net.Mln
            ? ModelSerializer.restoreMultiLayerNetwork(dir.resolve("model.zip").toFile(), true)
            : ModelSerializer.restoreComputationGraph(dir.resolve("model.zip").toFile(), true);
    Net ln = Net.of(loaded);
    if (ln.params().length() != net.params().length()) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " holds a model with "
              + ln.params().length()
              + " parameters, but this trainer's has "
              + net.params().length());
    }
    net.params().assign(ln.params());
    INDArray state = net.updater().getStateViewArray();
    if (state != null) {
      state.assign(ln.updater().getStateViewArray());
    }
    net.setIteration(ln.iteration());
    net.setEpochCount(ln.epochCount());
    FlatOptimizer method = core.method();
    FlatOptimizer.State undoOpt = null;
    if (method != null) {
      method.restore(readState(dir, "optimizer", p));
      INDArray trainPoint = readArray(dir.resolve("train-params.bin"));
      core.evalPoint().restoreTrainPoint(trainPoint);
      undoOpt = readState(dir, "undo-optimizer", p);
    }
    long nextStep = Long.parseLong(p.getProperty("nextStep"));
    INDArray bestParams = null;
    if (early != null) {
      if (p.getProperty("earlyStop.config") == null) {
        throw new IllegalArgumentException(
            "checkpoint " + dir + " has no early-stopping state, but this trainer stops early");
      }
      early.monitor().load(p, "earlyStop.");
      bestParams = readArray(dir.resolve("best-params.bin"));
    }
    stream.seek(
        Integer.parseInt(p.getProperty("epoch")), Integer.parseInt(p.getProperty("cursor")));
    int n = Integer.parseInt(p.getProperty("ring"));
    List<StepUndo.Snapshot> ring = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ring.add(
          new StepUndo.Snapshot(
              Long.parseLong(p.getProperty("ring." + i + ".step")),
              readArray(dir.resolve("ring-" + i + "-params.bin")),
              readArray(dir.resolve("ring-" + i + "-state.bin")),
              Integer.parseInt(p.getProperty("ring." + i + ".iteration")),
              method == null ? null : readState(dir, "ring-" + i + "-optimizer", p)));
    }
    core.restoreExtra(
        new StepCheckpoint(
            Boolean.parseBoolean(p.getProperty("havePrev")),
            Double.longBitsToDouble(Long.parseLong(p.getProperty("prevUpdateNorm"))),
            Double.longBitsToDouble(Long.parseLong(p.getProperty("prevGradNormSq"))),
            Double.longBitsToDouble(Long.parseLong(p.getProperty("prevInv"))),
            readArray(dir.resolve("prev-grad.bin")),
            Boolean.parseBoolean(p.getProperty("undoValid")),
            Integer.parseInt(p.getProperty("undoIteration")),
            readArray(dir.resolve("undo-params.bin")),
            readArray(dir.resolve("undo-state.bin")),
            undoOpt,
            ring));
    return new Restored(nextStep, bestParams);
  }

  /** Writes an optimizer state: NAME.bin (vectors) and the property NAME.scalars (raw bits). */
  private static void writeState(Path dir, String name, Properties p, FlatOptimizer.State s)
      throws IOException {
    if (s == null) {
      return;
    }
    writeArray(dir.resolve(name + ".bin"), s.vectors());
    StringBuilder sb = new StringBuilder();
    for (double v : s.scalars()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(Double.doubleToRawLongBits(v));
    }
    p.setProperty(name + ".scalars", sb.toString());
  }

  private static FlatOptimizer.State readState(Path dir, String name, Properties p)
      throws IOException {
    String text = p.getProperty(name + ".scalars");
    INDArray v = readArray(dir.resolve(name + ".bin"));
    if (text == null || v == null) {
      throw new IllegalArgumentException(
          "checkpoint " + dir + " lacks the optimizer state " + name + " (.bin and .scalars)");
    }
    String[] parts = text.isEmpty() ? new String[0] : text.split(",");
    double[] sc = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sc[i] = Double.longBitsToDouble(Long.parseLong(parts[i]));
    }
    return new FlatOptimizer.State(v, sc);
  }

  private static void writeArray(Path f, INDArray a) throws IOException {
    if (a == null) {
      Files.deleteIfExists(f);
      return;
    }
    Nd4j.saveBinary(a, f.toFile());
  }

  private static INDArray readArray(Path f) throws IOException {
    return Files.isRegularFile(f) ? Nd4j.readBinary(f.toFile()) : null;
  }
}

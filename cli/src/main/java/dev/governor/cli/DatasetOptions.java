package dev.governor.cli;

import dev.governor.actors.RunSpec;
import dev.governor.cluster.ClusterSettings;
import dev.governor.report.Progress;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.TrainingTask;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code train --dataset} flags (a picocli mixin) and that path of {@code train}: a DL4J model
 * trained through the same actor runtime as a plant (the cli's {@link Dl4jTrain}). A null {@code
 * --dataset} means a plant run.
 */
final class DatasetOptions {
  @Option(
      names = "--dataset",
      description =
          "Train a DL4J model instead of a plant: fashion-mnist | synthetic | auto (Fashion-MNIST"
              + " when installed).")
  String dataset;

  @Option(names = "--data-dir", description = "--dataset: where the Fashion-MNIST IDX files are.")
  Path dataDir = Datasets.DEFAULT_FASHION_MNIST_DIR;

  @Option(names = "--model", description = "--dataset: mlp (default) or cnn.")
  String model = "mlp";

  @Option(names = "--epochs", description = "--dataset: epochs (default 1); sets the steps.")
  int epochs = 1;

  @Option(
      names = "--train-limit",
      description = "--dataset: use only the first N training examples (default all).")
  int trainLimit;

  @Mixin ValidationOptions validation = new ValidationOptions();

  /**
   * Trains the {@code --dataset} model of {@code c} into its {@code --out} folder.
   *
   * @throws UserException naming the flag when a plant-only flag was given with {@code --dataset}
   */
  int train(
      TrainCommand c,
      RunSpec.Mode m,
      RunSpec.ControllerPlacement placement,
      ClusterSettings cluster)
      throws Exception {
    if (c.plant != null) {
      throw new UserException("--plant and --dataset exclude each other, but both were given");
    }
    if (c.force) {
      throw new UserException(
          "--force applies to --plant runs; a --dataset run needs a new or empty --out folder");
    }
    if (c.steps != 0) {
      throw new UserException(
          "--steps does not apply to --dataset (use --epochs), but was given (" + c.steps + ")");
    }
    c.disturbanceOptions.dl4j(1); // a bad disturbance flag: one line before the data is loaded
    PrintWriter stderr = c.spec.commandLine().getErr();
    String ds = Dl4jSetup.resolveDataset(dataset, dataDir, stderr);
    TrainingTask task =
        validation.task(
            ds,
            dataDir,
            model,
            c.problemOptions.batch != null ? c.problemOptions.batch : 128,
            epochs,
            c.seed,
            trainLimit,
            Dl4jSetup.parseOptimizer(c.optimizer));
    if (!c.quiet && c.out.toAbsolutePath().getParent() != null) {
      stderr.println(DashboardCommand.hint(c.out.toAbsolutePath().getParent()));
      stderr.flush();
    }
    Progress bar = c.progress(-1);
    try {
      return Dl4jTrain.run(
          task,
          c.policySpec(),
          c.out,
          new Dl4jTrain.Runtime(
              m, placement, Duration.ofMillis(c.decisionTimeoutMs), c.checkpointEvery, cluster),
          c.quiet ? null : bar::stepTo,
          c.spec.commandLine().getOut(),
          stderr,
          c.disturbanceOptions::dl4j);
    } finally {
      bar.close();
    }
  }
}

package dev.governor.cli;

import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.EarlyStopping;
import dev.governor.trainers.TrainingTask;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --val-size} and {@code --early-stop} (a picocli mixin): the validation split of a DL4J run
 * and early stopping on it, for {@code demo} and {@code train --dataset}.
 */
final class ValidationOptions {
  /** Steps between validation-loss measurements of a CLI DL4J run. */
  static final int VAL_EVERY = 100;

  @Option(
      names = "--val-size",
      paramLabel = "N",
      description =
          "Examples of the validation split, the last ones of the training set, held out before"
              + " training (the validation loss, early stopping and the temperature fit read it);"
              + " -1 = a tenth of the training set, at most 5000 (default); 0 = none.")
  int valSize = TrainingTask.DEFAULT_VALIDATION;

  @Option(
      names = "--early-stop",
      paramLabel = "SPEC",
      description =
          "Early stopping on the validation split: val-loss | val-accuracy | gap, with options"
              + " (patience=5, min-delta=0, warm-up=0 steps, restore-best=true, gap=0 = off), e.g."
              + " 'val-loss(patience=3, warm-up=500)'. Default none.")
  String earlyStop;

  /**
   * The {@code --early-stop} configuration (null = none).
   *
   * @throws UserException naming the flag and the value when the spec is invalid
   */
  EarlyStopping.Config earlyStopping() {
    return Dl4jSetup.parseEarlyStop(earlyStop);
  }

  /**
   * The task of a CLI DL4J run: the given data set, model, schedule and optimizer, the validation
   * loss measured every {@link #VAL_EVERY} steps, and this mixin's validation split and early
   * stopping.
   *
   * @throws UserException naming the flag and the value when {@code --early-stop} is invalid
   * @throws IllegalArgumentException naming the first bad field ({@link TrainingTask})
   */
  TrainingTask task(
      String dataset,
      Path dataDir,
      String model,
      int batch,
      int epochs,
      long seed,
      int trainLimit,
      Dl4jOptimizer optimizer) {
    return new TrainingTask(
        dataset,
        dataDir,
        model,
        batch,
        epochs,
        seed,
        trainLimit,
        VAL_EVERY,
        optimizer,
        valSize,
        earlyStopping());
  }
}

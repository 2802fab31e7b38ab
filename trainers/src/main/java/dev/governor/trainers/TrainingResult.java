package dev.governor.trainers;

import java.util.List;

/**
 * What a {@link TrainingTask} run produced: the summary figures (the fields of {@code
 * summary.json}) and the per-step trajectories for plots.
 *
 * @param dataset data set name
 * @param model model name
 * @param optimizer the optimizer's spec ({@link Dl4jOptimizer#toString()})
 * @param policy the policy's spec
 * @param initialLr the policy's learning rate at step 0
 * @param epochs epochs trained
 * @param steps steps run
 * @param testAccuracy test accuracy after the last epoch
 * @param finalTrainLoss mean training loss over the last quarter epoch (NaN/Inf when diverged)
 * @param diverged whether the final training or test loss is not finite
 * @param wallSeconds wall time of the run including evaluation (a measurement, not logic)
 * @param stepsPerSecond training steps per second (step time only)
 * @param loss training loss per step
 * @param lr learning rate per step
 * @param clip clip threshold per step (+Inf = none)
 * @param weightDecay weight decay per step
 * @param epochAccuracy test accuracy after each epoch
 * @param epochTestLoss test loss after each epoch
 * @param events guard events carried out
 * @param calibration the test-set calibration of the final model before and after temperature
 *     scaling; null when not measured
 * @param validationSplit which examples form the validation split, in words; null when there is
 *     none
 * @param earlyStop early stopping's status at the end (stopped or not, the best evaluation); null
 *     when the run had none
 */
public record TrainingResult(
    String dataset,
    String model,
    String optimizer,
    String policy,
    double initialLr,
    int epochs,
    long steps,
    double testAccuracy,
    double finalTrainLoss,
    boolean diverged,
    double wallSeconds,
    double stepsPerSecond,
    double[] loss,
    double[] lr,
    double[] clip,
    double[] weightDecay,
    double[] epochAccuracy,
    double[] epochTestLoss,
    List<TrainerEvent> events,
    Calibration.Report calibration,
    String validationSplit,
    EarlyStopping.Status earlyStop) {}

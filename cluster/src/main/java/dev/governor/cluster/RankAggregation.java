package dev.governor.cluster;

import dev.governor.control.Observation;
import java.util.List;

/**
 * How the observations of the data-parallel ranks of one step become the one observation a policy
 * decides on. The rules (synchronous data parallelism: every rank computes a gradient on its own
 * batch at the same parameters, the gradients are averaged by an all-reduce, and every rank applies
 * the same update):
 *
 * <ul>
 *   <li><b>loss</b>: the mean of the ranks' mini-batch losses (the loss of the union batch);
 *   <li><b>gradNorm</b> and the layer gradient norms: those of the averaged gradient, which every
 *       rank reports after the all-reduce; the maximum over ranks is taken (equal values when the
 *       ranks agree);
 *   <li><b>NaN or Inf on any rank</b> (loss or gradient norm): the whole step is non-finite — loss
 *       and gradNorm become NaN, so the policy's guard treats the step as one bad step (the OR-
 *       reduce of Lightning's skip decision), never as a diluted mean;
 *   <li><b>batchSize</b>: the sum over ranks (the effective batch);
 *   <li><b>valLoss</b>: the mean over the ranks that report a finite one, NaN when none does;
 *   <li>everything else (parameter and update norms, alignment, sharpness, the applied
 *       hyperparameters, epoch): rank 0's, since the ranks hold the same parameters.
 * </ul>
 *
 * <p>Sums run in rank order, so the result is reproducible bit for bit. Spikes: a spike on one rank
 * shows in the mean loss divided by the number of ranks; the policy's spike guard runs on the mean.
 */
public final class RankAggregation {
  private RankAggregation() {}

  /**
   * The step's observation from its ranks' observations, in rank order.
   *
   * @throws IllegalArgumentException when {@code ranks} is empty or the steps differ
   */
  public static Observation aggregate(List<Observation> ranks) {
    if (ranks.isEmpty()) {
      throw new IllegalArgumentException("ranks must hold at least one observation, but was empty");
    }
    Observation r0 = ranks.get(0);
    if (ranks.size() == 1) {
      return r0;
    }
    double lossSum = 0;
    double gradNorm = Double.NEGATIVE_INFINITY;
    boolean bad = false;
    long batch = 0;
    double valSum = 0;
    int valCount = 0;
    int layers = r0.layerGradNorms().length;
    double[] layerGrad = new double[layers];
    java.util.Arrays.fill(layerGrad, Double.NEGATIVE_INFINITY);
    for (Observation o : ranks) {
      if (o.step() != r0.step()) {
        throw new IllegalArgumentException(
            "ranks must report the same step, but had " + r0.step() + " and " + o.step());
      }
      if (!Double.isFinite(o.loss()) || !Double.isFinite(o.gradNorm())) {
        bad = true;
      }
      lossSum += o.loss();
      gradNorm = Math.max(gradNorm, o.gradNorm());
      batch += o.batchSize();
      if (Double.isFinite(o.valLoss())) {
        valSum += o.valLoss();
        valCount++;
      }
      double[] lg = o.layerGradNorms();
      for (int i = 0; i < layers && i < lg.length; i++) {
        layerGrad[i] = Math.max(layerGrad[i], lg[i]);
      }
    }
    double loss = bad ? Double.NaN : lossSum / ranks.size();
    return new Observation(
        r0.step(),
        r0.epoch(),
        loss,
        bad ? Double.NaN : gradNorm,
        r0.paramNorm(),
        r0.updateNorm(),
        r0.alignment(),
        r0.sharpness(),
        valCount == 0 ? Double.NaN : valSum / valCount,
        (int) Math.min(Integer.MAX_VALUE, batch),
        r0.lr(),
        r0.clip(),
        r0.weightDecay(),
        layers == 0 ? null : layerGrad,
        r0.layerParamNorms(),
        r0.layerUpdateNorms());
  }
}

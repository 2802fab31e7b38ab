package dev.governor.trainers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), in the form of the
 * reference {@code AdamWScheduleFree} (facebookresearch/schedule_free): the network's parameters
 * during training are y; the state holds z and the second moment v; x, the evaluation point, is
 * derived from y and z. Per step k (0-based), with γ the policy's lr and λ its weight decay:
 *
 * <pre>
 *   sched = (k+1)/warmup if k &lt; warmup else 1;   γ_k = γ·sched
 *   γ_max = max(γ_max, γ_k);   w = (k+1)^r · γ_max^weight_lr_power;   W += w;   c = w/W
 *   v ← β2 v + (1−β2) g²;   u = g / (√(v / (1−β2^(k+1))) + ε) + λ y
 *   y ← y + c (z − y) + γ_k (β1 (1−c) − 1) u;   z ← z − γ_k u
 *   x = y + (1 − 1/β1)(z − y)        (evaluation point)
 * </pre>
 *
 * z starts as y at the first step. With a per-layer multiplier m_l, layer l uses γ_k·m_l in the y
 * and z steps; the averaging weights use the global γ_k.
 *
 * <p>{@link #toEval} saves y and sets the parameters to x; {@link #toTrain} puts the saved y back
 * bit for bit (the reference recomputes y from x and z, which rounds), so evaluating never changes
 * the training trajectory.
 */
final class ScheduleFreeAdamW extends FlatOptimizer {
  private static final int K = 0;
  private static final int LR_MAX = 1;
  private static final int WEIGHT_SUM = 2;
  private static final int Z = 0;
  private static final int V = 1;

  private final INDArray u;
  private final INDArray[] uSeg;
  private final INDArray y;
  private boolean eval;

  ScheduleFreeAdamW(Dl4jOptimizer c, long[] layerLengths, DataType type) {
    super(c, layerLengths, type, 2, new double[] {0, -1, 0});
    this.u = temp();
    this.uSeg = segments(u);
    this.y = temp();
  }

  @Override
  void step(INDArray params, INDArray grad, double lr, double[] mult, double wd) {
    double k = s[K];
    double beta1 = config.beta1;
    double beta2 = config.beta2;
    double sched = k < config.warmup ? (k + 1) / config.warmup : 1.0;
    double bc2 = 1 - Math.pow(beta2, k + 1);
    double lrk = lr * sched;
    double lrMax = pyMax(lrk, s[LR_MAX]);
    s[LR_MAX] = lrMax;
    double weight = Math.pow(k + 1, config.r) * Math.pow(lrMax, config.weightLrPower);
    double weightSum = s[WEIGHT_SUM] + weight;
    s[WEIGHT_SUM] = weightSum;
    double ckp1 = weightSum == 0 ? 0 : weight / weightSum;

    INDArray z = vector(Z);
    INDArray v = vector(V);
    if (k == 0) {
      z.assign(params);
    }
    // v ← β2 v + (1−β2) g²
    grad.mul(grad, u);
    v.muli(beta2);
    axpy(1 - beta2, u, v);
    // u = g / (√(v/bc2) + ε) + λ y
    v.div(bc2, u);
    Transforms.sqrt(u, false);
    u.addi(config.eps);
    u.rdivi(grad);
    if (wd != 0) {
      axpy(wd, params, u);
    }
    // Δy = y − y_new = c (y − z) + γ_k m (1 − β1 (1−c)) u;   z ← z − γ_k m u
    grad.assign(params);
    grad.subi(z);
    grad.muli(ckp1);
    double yCoef = 1 - beta1 * (1 - ckp1);
    if (uniform(mult)) {
      double a = lrk * mult[0];
      axpy(a * yCoef, u, grad);
      axpy(-a, u, z);
    } else {
      INDArray[] zSeg = vectorSegments(Z);
      for (int i = 0; i < layers; i++) {
        double a = lrk * mult[i];
        axpy(a * yCoef, uSeg[i], gradSegments()[i]);
        axpy(-a, uSeg[i], zSeg[i]);
      }
    }
    s[K] = k + 1;
  }

  @Override
  void toEval(INDArray params) {
    if (eval) {
      return;
    }
    y.assign(params);
    eval = true;
    if (s[K] == 0) {
      return; // no step yet: z is not set and x = y
    }
    // x = y + (1 − 1/β1)(z − y)
    u.assign(vector(Z));
    u.subi(params);
    axpy(1 - 1 / config.beta1, u, params);
  }

  @Override
  void toTrain(INDArray params) {
    if (!eval) {
      return;
    }
    params.assign(y);
    eval = false;
  }

  @Override
  INDArray trainPoint() {
    return eval ? y : null;
  }

  @Override
  void restoreTrainPoint(INDArray saved) {
    y.assign(saved);
    eval = true;
  }
}

package dev.governor.trainers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DoG, "Distance over Gradients" (Ivgi, Hinder and Carmon 2023), global form: the reference {@code
 * dog-optimizer} {@code DoG} with all parameters as one group. Per step t, with c the policy's lr
 * (the reference's multiplier) and λ its weight decay (the reference's L2 term):
 *
 * <pre>
 *   g ← g + λθ
 *   t = 0:  θ0 = θ;   r̄ = reps_rel·(1 + ‖θ0‖);   G = ‖g‖² + ε
 *   t &gt; 0:  r̄ = max(r̄, ‖θ − θ0‖);   G ← G + ‖g‖²
 *   η = c·r̄ / √G   (t = 0 with init-eta: η = init-eta, and r̄ starts at 0)
 *   θ ← θ − η g
 * </pre>
 *
 * A per-layer multiplier m_l scales layer l's step (η·m_l); r̄ and G stay global.
 */
final class Dog extends FlatOptimizer {
  private static final int K = 0;
  private static final int RBAR = 1;
  private static final int G = 2;
  private static final int ETA = 3;
  private static final int X0 = 0;

  private final INDArray tmp;

  Dog(Dl4jOptimizer c, long[] layerLengths, DataType type) {
    super(c, layerLengths, type, 1, new double[] {0, 0, 0, Double.NaN});
    this.tmp = temp();
  }

  @Override
  void step(INDArray params, INDArray grad, double lr, double[] mult, double wd) {
    boolean initEta = !Double.isNaN(config.initEta);
    INDArray x0 = vector(X0);
    if (wd > 0) {
      axpy(wd, params, grad);
    }
    double g2 = sq(StepMeasurement.norm(grad));
    if (s[K] == 0) {
      x0.assign(params);
      s[RBAR] = (initEta ? 0 : config.repsRel) * (1 + StepMeasurement.norm(params));
      s[G] = g2 + config.eps;
    } else {
      tmp.assign(params);
      tmp.subi(x0);
      s[RBAR] = Math.max(s[RBAR], StepMeasurement.norm(tmp));
      s[G] += g2;
    }
    double eta = lr * s[RBAR] / Math.sqrt(s[G]);
    if (s[K] == 0 && initEta) {
      eta = config.initEta;
    }
    s[ETA] = eta;
    if (uniform(mult)) {
      grad.muli(eta * mult[0]);
    } else {
      for (int i = 0; i < layers; i++) {
        gradSegments()[i].muli(eta * mult[i]);
      }
    }
    s[K] += 1;
  }

  private static double sq(double x) {
    return x * x;
  }
}

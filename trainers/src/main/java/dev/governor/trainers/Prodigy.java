package dev.governor.trainers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Prodigy, Adam form (Mishchenko and Defazio 2024), as the reference {@code prodigyopt} 1.x {@code
 * Prodigy} computes it, with one d estimate over all parameters. Per step k (0-based), with lr the
 * policy's multiplier and λ its weight decay, d the estimate before the step:
 *
 * <pre>
 *   bc = √(1−β2^(k+1)) / (1−β1^(k+1)) with bias-correction, else 1;   dlr = d·lr·bc
 *   (decouple=false: g ← g + λθ)
 *   N ← β3 N + (d/d0)·dlr·⟨g, θ0 − θ⟩            θ0 = θ at the first step
 *   m ← β1 m + d(1−β1) g;   v ← β2 v + d²(1−β2) g²
 *   s ← β3 s + (d/d0)·(safeguard-warmup ? d : dlr)·g;   D = Σ|s|
 *   if D = 0: no step (the reference returns; m, v, s keep their update, N and d do not)
 *   d̂ = d_coef·N/D;   d_max = max(d_max, d̂);   d ← min(d_max, d·growth_rate)
 *   θ ← θ − λ·dlr·θ (decouple=true) − dlr·m / (√v + d·ε)      (β1 = 0: d·g instead of m)
 * </pre>
 *
 * The step uses dlr from before the update of d and the updated d in the denominator, as the
 * reference does. Per-layer multipliers m_l scale layer l's step; N, D and d use the global lr. A
 * NaN estimate d̂ leaves d and d_max as they were (the reference's Python {@code max}).
 */
final class Prodigy extends FlatOptimizer {
  private static final int K = 0;
  private static final int D = 1;
  private static final int D_MAX = 2;
  private static final int NUMERATOR = 3;
  private static final int P0 = 0;
  private static final int S = 1;
  private static final int V = 2;
  private static final int M = 3;

  private final INDArray tmp;

  Prodigy(Dl4jOptimizer c, long[] layerLengths, DataType type) {
    super(c, layerLengths, type, c.beta1 > 0 ? 4 : 3, new double[] {0, c.d0, c.d0, 0});
    this.tmp = temp();
  }

  @Override
  void step(INDArray params, INDArray grad, double lr, double[] mult, double wd) {
    Dl4jOptimizer c = config;
    double k = s[K];
    double d = s[D];
    double dMax = s[D_MAX];
    double beta1 = c.beta1;
    double beta2 = c.beta2;
    double beta3 = c.beta3;
    double bc =
        c.biasCorrection
            ? Math.sqrt(1 - Math.pow(beta2, k + 1)) / (1 - Math.pow(beta1, k + 1))
            : 1.0;
    double dlr = d * lr * bc;
    double numerator = s[NUMERATOR] * beta3;

    INDArray p0 = vector(P0);
    INDArray sv = vector(S);
    INDArray v = vector(V);
    if (k == 0) {
      p0.assign(params);
    }
    if (wd != 0 && !c.decouple) {
      axpy(wd, params, grad);
    }
    // (d/d0)·dlr·⟨g, θ0 − θ⟩
    tmp.assign(p0);
    tmp.subi(params);
    double delta = (d / c.d0) * dlr * dot(grad, tmp);
    if (beta1 > 0) {
      INDArray m = vector(M);
      m.muli(beta1);
      axpy(d * (1 - beta1), grad, m);
    }
    grad.mul(grad, tmp);
    v.muli(beta2);
    axpy(d * d * (1 - beta2), tmp, v);
    sv.muli(beta3);
    axpy((d / c.d0) * (c.safeguardWarmup ? d : dlr), grad, sv);
    double denom = asum(sv);
    if (denom == 0) {
      grad.assign(0); // no step, as the reference's early return
      return;
    }
    numerator += delta;
    double dHat = c.dCoef * numerator / denom;
    if (d == c.d0) {
      d = pyMax(d, dHat);
    }
    dMax = pyMax(dMax, dHat);
    d = pyMin(dMax, d * c.growthRate);
    s[NUMERATOR] = numerator;
    s[D] = d;
    s[D_MAX] = dMax;

    // Δθ = λ·dlr·θ (decoupled) + dlr·m / (√v + d·ε)   (β1 = 0: dlr·d·g / (…))
    tmp.assign(v);
    Transforms.sqrt(tmp, false);
    tmp.addi(d * c.eps);
    double a = dlr;
    if (beta1 > 0) {
      tmp.rdivi(vector(M));
    } else {
      tmp.rdivi(grad);
      a = dlr * d;
    }
    // tmp = m/denom (or g/denom); grad ← a·tmp + λ·dlr·θ
    grad.assign(tmp);
    grad.muli(a);
    if (wd != 0 && c.decouple) {
      axpy(wd * dlr, params, grad);
    }
    if (!uniform(mult)) {
      for (int i = 0; i < layers; i++) {
        gradSegments()[i].muli(mult[i]);
      }
    } else if (mult[0] != 1) {
      grad.muli(mult[0]);
    }
    s[K] = k + 1;
  }
}

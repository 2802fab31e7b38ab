package dev.governor.control;

import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.special.Erf;

/**
 * How measurement noise on the alignment PV moves the learning rate in the linearised LR loop of
 * {@link LrLoopStability} (synchronous, reverse acting, updated every step). The mean-field
 * analysis has no measurement noise; these two results say how large the noise-driven fluctuation
 * of ln η is around a stable equilibrium.
 */
public final class LrLoopNoise {
  private LrLoopNoise() {}

  /**
   * Doublings of the impulse-response sums in {@link #logLrStd}: at most 2<sup>21</sup> ≈ 2.1
   * million terms.
   */
  static final int DOUBLINGS = 21;

  /**
   * The sampling variance of the measured cosine on the noisy quadratic at constant learning rate
   * {@code eta}, from the mean-field moments of {@link LrLoopStability#alignmentOnQuadratic}: with
   * stationary second moments {@code m_i = h_i² v_i + s_i²} of the gradient coordinates ({@code v_i
   * = η s_i² / (h_i (2 − η h_i))}) and two nearly independent successive gradients, {@code Var[cos]
   * ≈ Σ m_i² / (Σ m_i)²} over all coordinates, i.e. 1 / the effective dimension. {@code copies}
   * repeats every curvature that many times (the variance shrinks as 1 / copies).
   *
   * @param h the Hessian's eigenvalues, {@code 0 < η h_i < 2}
   * @param noiseVar gradient-noise variance per coordinate (already divided by the batch size)
   * @param eta the constant learning rate
   * @param copies repetitions of the spectrum, {@code >= 1}
   * @return the variance; NaN when the inputs are NaN or give no noise
   */
  public static double alignmentVariance(double[] h, double[] noiseVar, double eta, int copies) {
    if (h.length != noiseVar.length) {
      throw new IllegalArgumentException(
          "h and noiseVar must be equally long, but were " + h.length + " and " + noiseVar.length);
    }
    if (copies < 1) {
      throw new IllegalArgumentException("copies must be >= 1, but was " + copies);
    }
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < h.length; i++) {
      double v = eta * noiseVar[i] / (h[i] * (2 - eta * h[i]));
      double m = h[i] * h[i] * v + noiseVar[i];
      sum += m;
      sumSq += m * m;
    }
    return sumSq / (sum * sum * copies);
  }

  /**
   * The stationary standard deviation of ln η that white noise of variance {@code pvNoiseVar} on
   * the PV produces in the linearised closed loop: state {@code z = [x, f, I, u]} with one-step
   * matrix {@code M} (as {@link LrLoopStability} builds it, period 1, no delay); the noise enters
   * the filter with weight α, so its input vector is {@code G = [0, α, Ki α, (Kp + Ki) α]}, and the
   * result is {@code sqrt(pvNoiseVar · Σ_k ((M^k G)_u)²)}, summed by doubling (the Gramian {@code
   * Σ_k M^k G Gᵀ (Mᵀ)^k}, 2<sup>j</sup> terms after j doublings) until a block adds less than 1e-14
   * of the sum (at most 2<sup>{@value #DOUBLINGS}</sup> terms).
   *
   * @return the standard deviation; +Inf when the impulse response grows past 1e30 (an unstable
   *     loop); NaN when {@code pvNoiseVar} is NaN
   */
  public static double logLrStd(
      LrLoopStability.Plant plant, double kp, double ki, double alpha, double pvNoiseVar) {
    return Math.sqrt(pvNoiseVar * impulseSums(plant, kp, ki, alpha, 1)[0]);
  }

  /**
   * The stationary standard deviation of the per-step change Δ ln η = u<sub>t</sub> −
   * u<sub>t−1</sub> under the same noise as {@link #logLrStd}: {@code sqrt(pvNoiseVar · Σ_k (r_k −
   * r_{k−1})²)} over the impulse response {@code r_k = (M^k G)_u} ({@code r_{−1} = 0}).
   *
   * @return the standard deviation; +Inf for an unstable loop; NaN when {@code pvNoiseVar} is NaN
   */
  public static double logLrStepStd(
      LrLoopStability.Plant plant, double kp, double ki, double alpha, double pvNoiseVar) {
    return Math.sqrt(pvNoiseVar * impulseSums(plant, kp, ki, alpha, 1)[1]);
  }

  /**
   * The loop with a slew limit on its output, by the random-input describing function of a
   * saturation. The limit moves ln η towards the controller's decision by at most {@code lnSlew}
   * per step: {@code u_t = u_{t−1} + sat(v_t − u_{t−1})}, a saturation on the tracking demand
   * {@code d_t = v_t − u_{t−1}}. For a Gaussian demand of standard deviation σ the saturation's
   * best linear gain is {@code N = erf(lnSlew / (√2 σ))}, so the output follows the decision
   * through the lag {@code u_t = u_{t−1} + N·d_t} (one pole at 1 − N; N = 1: no lag); the
   * controller's conditional integration keeps in the integrator only what passes the limit, so its
   * increment is scaled by N as well. N is the fixed point of {@code N = erf(lnSlew · N / (√2 ·
   * σ_Δ(N)))}, with {@code σ_Δ(N)} the applied step's standard deviation in the lagged loop ({@code
   * σ = σ_Δ / N}): {@code N = 1} when the limit barely binds, smaller the more the noise-driven
   * demand exceeds it; where the lagged loop is unstable σ_Δ is infinite and the right-hand side 0.
   * There can be more than one fixed point: the lag can destabilise the loop at intermediate gains,
   * with a second, slew-bound fixed point below them. The largest is taken: it is the branch that
   * starts at N = 1 as the noise grows from 0, i.e. the loop that settles without the limit binding
   * stays there. Found by scanning N = 1, {@value #SLEW_SCAN}, {@value #SLEW_SCAN}², … down to the
   * first gain below the fixed point and bisecting that interval.
   *
   * @param lnSlew the log of the slew factor per step, {@code > 0} (+Inf = no limit: {@code N = 1})
   * @return the equivalent gain and the standard deviations of ln η and of its step at that gain;
   *     gain 0 and infinite deviations when no gain from {@value #MIN_SLEW_GAIN} up is a fixed
   *     point (even that small a gain leaves the loop unstable or demanding more)
   */
  public static Slewed slewLimited(
      LrLoopStability.Plant plant,
      double kp,
      double ki,
      double alpha,
      double pvNoiseVar,
      double lnSlew) {
    if (!(lnSlew > 0)) {
      throw new IllegalArgumentException("lnSlew must be > 0, but was " + lnSlew);
    }
    if (!(pvNoiseVar >= 0)) {
      throw new IllegalArgumentException("pvNoiseVar must be >= 0, but was " + pvNoiseVar);
    }
    Slewed above = slewed(plant, kp, ki, alpha, pvNoiseVar, 1);
    if (excess(above, lnSlew) >= 0) {
      return above;
    }
    // the largest fixed point: scan down from N = 1 for the first gain whose excess is positive,
    // then bisect between it and the grid point above it (where the excess is not)
    for (double lo = SLEW_SCAN; lo >= MIN_SLEW_GAIN; lo *= SLEW_SCAN) {
      Slewed atLo = slewed(plant, kp, ki, alpha, pvNoiseVar, lo);
      if (excess(atLo, lnSlew) > 0) {
        double hi = above.gain();
        for (int k = 0; k < SLEW_BISECTIONS; k++) {
          double mid = 0.5 * (lo + hi);
          Slewed m = slewed(plant, kp, ki, alpha, pvNoiseVar, mid);
          if (excess(m, lnSlew) > 0) {
            lo = mid;
            atLo = m;
          } else {
            hi = mid;
          }
        }
        return atLo;
      }
      above = atLo;
    }
    return new Slewed(0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /**
   * The smallest equivalent gain {@link #slewLimited} considers: a loop that needs less (a lag pole
   * within 1e-3 of 1, i.e. the slew limit binding on nearly every step) is reported as gain 0.
   */
  static final double MIN_SLEW_GAIN = 1e-3;

  /**
   * Ratio of the grid {@link #slewLimited} scans down from N = 1 for its largest fixed point (1,
   * 0.9, 0.81, …).
   */
  static final double SLEW_SCAN = 0.9;

  /** Bisection steps of {@link #slewLimited} within one grid interval (the gain to ~1e-7). */
  static final int SLEW_BISECTIONS = 20;

  /**
   * The slew-limited loop's equivalent gain and its noise-driven standard deviations of ln η and of
   * Δ ln η.
   */
  public record Slewed(double gain, double logLrStd, double stepStd) {}

  private static Slewed slewed(
      LrLoopStability.Plant plant, double kp, double ki, double alpha, double var, double n) {
    double[] s = impulseSums(plant, kp, ki, alpha, n);
    return new Slewed(n, Math.sqrt(var * s[0]), Math.sqrt(var * s[1]));
  }

  /**
   * erf(lnSlew·N / (√2·σ_Δ(N))) − N for the loop {@code s} at gain N: positive while N is below the
   * fixed point.
   */
  private static double excess(Slewed s, double lnSlew) {
    double n = s.gain();
    if (!(s.stepStd() > 0)) {
      return 1 - n;
    }
    return Erf.erf(lnSlew * n / (Math.sqrt(2) * s.stepStd())) - n;
  }

  /**
   * Σ r_k² and Σ (r_k − r_{k−1})² of the impulse response {@code r_k = (M^k G)_u} (see {@link
   * #logLrStd}) of the loop whose output follows the decision with tracking gain {@code track}
   * ({@link LrLoopStability#stepMatrix}; the input's output entry is then {@code track·(Kp + Ki)
   * α}); both +Inf when it grows past 1e30.
   */
  private static double[] impulseSums(
      LrLoopStability.Plant plant, double kp, double ki, double alpha, double track) {
    int m = plant.b().length;
    int dim = m + 3;
    RealMatrix mat = LrLoopStability.stepMatrix(plant, kp, ki, alpha, 0, 1, true, dim, track);
    double[] gv = new double[dim];
    double f = alpha;
    gv[m] = f;
    gv[m + 1] = track * ki * f;
    gv[m + 2] = track * (kp * f + gv[m + 1]);
    // Σ_k r_k² is the (u, u) entry of the Gramian P = Σ_k M^k G Gᵀ (Mᵀ)^k; the steps r_k − r_{k−1}
    // are r_0 and then the impulse response of the input (M − I) G, so their sum is r_0² plus that
    // Gramian's (u, u) entry. Both by doubling: P ← P + A P Aᵀ, A ← A², covering 2^j terms after j.
    RealVector g = new ArrayRealVector(gv, false);
    RealVector h = mat.operate(g).subtract(g);
    RealMatrix p = g.outerProduct(g);
    RealMatrix q = h.outerProduct(h);
    RealMatrix a = mat;
    int u = dim - 1;
    for (int j = 0; j < DOUBLINGS; j++) {
      RealMatrix at = a.transpose();
      RealMatrix ap = a.multiply(p).multiply(at);
      q = q.add(a.multiply(q).multiply(at));
      p = p.add(ap);
      double total = p.getTrace();
      if (!Double.isFinite(total) || total > 1e30) {
        return new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
      }
      if (j >= 7 && ap.getTrace() < 1e-14 * Math.max(p.getEntry(u, u), 1e-300)) {
        break;
      }
      a = a.multiply(a);
    }
    return new double[] {p.getEntry(u, u), gv[u] * gv[u] + q.getEntry(u, u)};
  }
}

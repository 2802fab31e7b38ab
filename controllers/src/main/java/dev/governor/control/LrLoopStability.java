package dev.governor.control;

import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Linear stability analysis of the LR loop exactly as {@link PiController} and {@code pi}'s LR loop
 * run it, in the linear region (no bounds, slew, safety cut or guard active): the closed-loop poles
 * (eigenvalues of the loop's state matrix over one controller period, via Commons Math) and whether
 * they lie strictly inside the unit circle; plus the stable region over a (Kp, Ki) grid.
 *
 * <p><b>Timing</b> (as in {@code pi}): step {@code t} runs with {@code u_t = ln η_t}; the trainer
 * reports the PV {@code y_t}; the controller filters {@code f_t = (1−α) f_{t−1} + α y_t}; on an
 * update step (every {@code period}-th step) {@code e_t = f_t − r} (reverse acting) or {@code r −
 * f_t}, {@code I_t = I_{t−1} + Ki e_t}, and the decision {@code c_t = u0 + Kp e_t + I_t}; between
 * updates the last decision is held. The decision made after step {@code t} is applied at step
 * {@code t + 1 + delay} ({@code delay = 0} in synchronous mode; asynchronous control adds steps).
 *
 * <p><b>Plant</b>: a linear state-space model in deviation variables, input {@code u_t}, output
 * {@code y_t}: {@code x_{t+1} = A x_t + B u_t}, {@code y_t = C x_t + D u_t} ({@link Plant}).
 * Closed-loop state {@code z_t = [x_t, f_{t−1}, I_{t−1}, u_t, q_1 … q_delay]} (q = decisions
 * waiting to be applied). The one-step maps {@code S_hold}, {@code S_update} are built column by
 * column; the period map is {@code M = S_update · S_hold^{period−1}}; the loop is stable iff the
 * spectral radius of {@code M} is {@code < 1} (its eigenvalues are the poles per period).
 *
 * <p><b>Quadratic model</b> ({@link #alignmentOnQuadratic}): plain SGD on {@code L = ½ Σ h_i x_i²}
 * with gradient noise of variance {@code s_i²} per coordinate, PV = gradient alignment. The
 * mean-field moments {@code v_i(t) = E[x_i,t²]} evolve as {@code v_i(t+1) = (1 − η_t h_i)² v_i(t) +
 * η_t² s_i²}; the PV is approximated by the ratio of expectations {@code y_t = Σ_i [h_i² (1 −
 * η_{t−1} h_i) v_i(t−1) − h_i η_{t−1} s_i²] / sqrt(Σ_i (h_i² v_i(t) + s_i²) · Σ_i (h_i² v_i(t−1) +
 * s_i²))} — note it depends on the previous step's η (the step between the two gradients), not on
 * {@code u_t}: one step of plant delay, {@code D = 0}. Plant state {@code x = [v(t), v(t−1),
 * u_{t−1}]} ({@code 2n + 1} states; the moments in units of their equilibrium values), linearized
 * around the stationary point for the setpoint: at constant η, {@code E[cos] = −Σ h_i η s_i² / (2 −
 * η h_i) / Σ 2 s_i² / (2 − η h_i)}, which falls monotonically from 0 (η → 0) to −1 (η → 2/λ_max);
 * the equilibrium η* solves {@code E[cos](η*) = r}, so it exists only for {@code −1 < r < 0} (with
 * {@code r = 0} the loop anneals η towards 0 and has no fixed point to linearize about). The static
 * plant gain {@code dE[cos]/d ln η} at η* is reported. To compare with a simulation, run {@code
 * pi(pv=alignment, setpoint=r, kp, ki, alpha, period, guard=false, clip-loop=false,
 * cut-growth=1e300, slew=1e300)} with the same plain SGD and spectrum; the measurement noise of the
 * cosine does not move the poles of the mean dynamics.
 */
public final class LrLoopStability {
  private LrLoopStability() {}

  /**
   * A linear plant {@code x_{t+1} = A x_t + B u_t}, {@code y_t = C x_t + D u_t} in deviation
   * variables (m states; m may be 0 for a static gain).
   *
   * @param a m×m
   * @param b length m
   * @param c length m
   * @param d direct feed-through
   * @param equilibriumLr η* the model was linearized at (NaN for abstract plants)
   * @param gain static gain dy/du at equilibrium: {@code D + C (I − A)^{-1} B}
   */
  public record Plant(
      double[][] a, double[] b, double[] c, double d, double equilibriumLr, double gain) {

    /** Validates the shapes and copies. */
    public Plant {
      int m = b.length;
      if (a.length != m || c.length != m) {
        throw new IllegalArgumentException(
            "plant shapes must agree: A " + a.length + "x?, B " + m + ", C " + c.length);
      }
      double[][] ac = new double[m][];
      for (int i = 0; i < m; i++) {
        if (a[i].length != m) {
          throw new IllegalArgumentException(
              "plant A must be square, row " + i + " has " + a[i].length);
        }
        ac[i] = a[i].clone();
      }
      a = ac;
      b = b.clone();
      c = c.clone();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("plant D must be finite, but was " + d);
      }
    }

    int states() {
      return b.length;
    }
  }

  /**
   * The analysis result: poles (per controller period; eigenvalues by Commons Math, empty in the
   * rare case its iteration does not converge), the spectral radius (computed independently of the
   * eigen-solver, see {@link #spectralRadius}) and stability.
   */
  public record Result(double[] polesRe, double[] polesIm, double spectralRadius, Plant plant) {
    /** Stable iff every pole lies strictly inside the unit circle. */
    public boolean stable() {
      return spectralRadius < 1;
    }
  }

  /** A stable-region sweep: {@code stable[i][j]} for {@code kp[i]}, {@code ki[j]}. */
  public record Region(double[] kp, double[] ki, double[][] spectralRadius) {
    public boolean stable(int i, int j) {
      return spectralRadius[i][j] < 1;
    }

    /** Fraction of grid points that are stable. */
    public double stableFraction() {
      int s = 0;
      int n = 0;
      for (double[] row : spectralRadius) {
        for (double r : row) {
          n++;
          if (r < 1) {
            s++;
          }
        }
      }
      return n == 0 ? 0 : s / (double) n;
    }
  }

  /** A static plant {@code y_t = g·u_t} (the PV responds within the step). */
  public static Plant staticGain(double g) {
    return new Plant(new double[0][0], new double[0], new double[0], g, Double.NaN, g);
  }

  /**
   * A first-order plant {@code x_{t+1} = a x_t + (1 − a) g u_t}, {@code y_t = x_t}: static gain
   * {@code g}, one step of delay, pole {@code a}.
   */
  public static Plant firstOrder(double a, double g) {
    return new Plant(
        new double[][] {{a}}, new double[] {(1 - a) * g}, new double[] {1}, 0, Double.NaN, g);
  }

  /**
   * The alignment PV on the noisy quadratic, linearized at the equilibrium for {@code setpoint}
   * (see the class comment).
   *
   * @param h the Hessian's eigenvalues, each finite {@code > 0}
   * @param noiseVar gradient-noise variance per coordinate {@code s_i²} (already divided by the
   *     batch size), each finite {@code >= 0}, not all 0
   * @param setpoint the alignment setpoint r, in (−1, 0)
   * @throws IllegalArgumentException naming the bad argument
   */
  public static Plant alignmentOnQuadratic(double[] h, double[] noiseVar, double setpoint) {
    int n = h.length;
    if (n == 0 || noiseVar.length != n) {
      throw new IllegalArgumentException(
          "spectrum and noiseVar must be non-empty and equally long, but were "
              + n
              + " and "
              + noiseVar.length);
    }
    double hMax = 0;
    double sTot = 0;
    for (int i = 0; i < n; i++) {
      if (!(h[i] > 0) || !Double.isFinite(h[i])) {
        throw new IllegalArgumentException("h[" + i + "] must be finite and > 0, but was " + h[i]);
      }
      if (!(noiseVar[i] >= 0) || !Double.isFinite(noiseVar[i])) {
        throw new IllegalArgumentException(
            "noiseVar[" + i + "] must be finite and >= 0, but was " + noiseVar[i]);
      }
      hMax = Math.max(hMax, h[i]);
      sTot += noiseVar[i];
    }
    if (!(sTot > 0)) {
      throw new IllegalArgumentException(
          "noiseVar must not be all 0 (without noise there is no stationary point)");
    }
    if (!(setpoint > -1 && setpoint < 0)) {
      throw new IllegalArgumentException(
          "setpoint must be in (-1, 0) for an equilibrium to exist, but was " + setpoint);
    }
    // bisection on eta in (0, 2/hMax): stationaryAlignment decreases from 0 to -1
    double lo = 0;
    double hi = 2 / hMax;
    for (int k = 0; k < 200; k++) {
      double mid = 0.5 * (lo + hi);
      if (stationaryAlignment(h, noiseVar, mid) > setpoint) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double eta = 0.5 * (lo + hi);
    double u = Math.log(eta);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = eta * noiseVar[i] / (h[i] * (2 - eta * h[i]));
    }
    int m = 2 * n + 1;
    double[][] a = new double[m][m];
    double[] b = new double[m];
    for (int i = 0; i < n; i++) {
      double q = 1 - eta * h[i];
      a[i][i] = q * q; // v_i(t+1) from v_i(t)
      b[i] = (-2 * h[i] * q * v[i] + 2 * eta * noiseVar[i]) * eta; // d/du, dη/du = η
      a[n + i][i] = 1; // v(t) becomes v(t-1)
    }
    // w' = u_t: b[2n] = 1
    b[2 * n] = 1;
    // C by central differences of the PV at the equilibrium state [v, v, u]
    double[] x0 = new double[m];
    System.arraycopy(v, 0, x0, 0, n);
    System.arraycopy(v, 0, x0, n, n);
    x0[2 * n] = u;
    double[] c = new double[m];
    for (int j = 0; j < m; j++) {
      double step = j < 2 * n ? 1e-6 * x0[j] : 1e-6;
      double[] xp = x0.clone();
      double[] xm = x0.clone();
      xp[j] += step;
      xm[j] -= step;
      c[j] = (alignment(h, noiseVar, xp) - alignment(h, noiseVar, xm)) / (2 * step);
    }
    // similarity scaling: the v states in units of their equilibrium values (relative deviations),
    // so the matrix is well balanced for the eigenvalue solver; the poles are unchanged
    for (int i = 0; i < n; i++) {
      b[i] /= v[i];
      c[i] *= v[i];
      c[n + i] *= v[i];
    }
    double gain =
        (stationaryAlignment(h, noiseVar, eta * Math.exp(1e-6))
                - stationaryAlignment(h, noiseVar, eta * Math.exp(-1e-6)))
            / 2e-6;
    return new Plant(a, b, c, 0, eta, gain);
  }

  /** E[cos] at constant η in the stationary state (ratio of expectations). */
  static double stationaryAlignment(double[] h, double[] s2, double eta) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < h.length; i++) {
      double k = 2 - eta * h[i];
      num += h[i] * eta * s2[i] / k;
      den += 2 * s2[i] / k;
    }
    return -num / den;
  }

  /** The mean-field alignment for plant state {@code x = [v(t), v(t−1), u_{t−1}]}. */
  private static double alignment(double[] h, double[] s2, double[] x) {
    int n = h.length;
    double etaPrev = Math.exp(x[2 * n]);
    double num = 0;
    double e0 = 0;
    double e1 = 0;
    for (int i = 0; i < n; i++) {
      double vt = x[i];
      double vp = x[n + i];
      num += h[i] * h[i] * (1 - etaPrev * h[i]) * vp - h[i] * etaPrev * s2[i];
      e0 += h[i] * h[i] * vt + s2[i];
      e1 += h[i] * h[i] * vp + s2[i];
    }
    return num / Math.sqrt(e0 * e1);
  }

  /**
   * The closed-loop poles of the LR loop on {@code plant}.
   *
   * @param kp proportional gain, finite {@code >= 0}
   * @param ki integral gain, finite {@code >= 0}
   * @param alpha EMA weight in (0, 1]
   * @param period steps per controller update, {@code >= 1}
   * @param delay extra steps before a decision is applied, {@code >= 0}
   * @param reverseActing error = PV − setpoint (true) or setpoint − PV
   */
  public static Result analyze(
      Plant plant,
      double kp,
      double ki,
      double alpha,
      int period,
      int delay,
      boolean reverseActing) {
    PiConfig.builder().kp(kp).ki(ki).filterAlpha(alpha).period(period).build(); // validates
    if (delay < 0) {
      throw new IllegalArgumentException("delay must be >= 0, but was " + delay);
    }
    int m = plant.states();
    int dim = m + 3 + delay;
    double s = reverseActing ? 1 : -1;
    RealMatrix hold = stepMatrix(plant, kp, ki, alpha, delay, s, false, dim);
    RealMatrix upd = stepMatrix(plant, kp, ki, alpha, delay, s, true, dim);
    RealMatrix mono = upd;
    for (int k = 1; k < period; k++) {
      mono = mono.multiply(hold);
    }
    double[][] ev = eigenvalues(mono);
    return new Result(ev[0], ev[1], spectralRadius(mono), plant);
  }

  /** The stable region over a (Kp, Ki) grid. */
  public static Region region(
      Plant plant,
      double[] kp,
      double[] ki,
      double alpha,
      int period,
      int delay,
      boolean reverseActing) {
    double[][] rho = new double[kp.length][ki.length];
    for (int i = 0; i < kp.length; i++) {
      for (int j = 0; j < ki.length; j++) {
        rho[i][j] =
            analyze(plant, kp[i], ki[j], alpha, period, delay, reverseActing).spectralRadius;
      }
    }
    return new Region(kp.clone(), ki.clone(), rho);
  }

  /**
   * Eigenvalues (real parts, imaginary parts) of a general real matrix with Commons Math. Its
   * Hessenberg-Schur iteration can stall on matrices with much exact-zero structure (shift
   * registers, many equal eigenvalues); then similar matrices {@code Q M Qᵀ} ({@code Q} fixed
   * pseudo-random orthogonal matrices, same spectrum) are tried; if none converges the result is
   * empty (the stability decision never depends on it).
   */
  static double[][] eigenvalues(RealMatrix m) {
    int n = m.getRowDimension();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(0x5eedL);
    for (int attempt = 0; attempt < 8; attempt++) {
      RealMatrix x = m;
      if (attempt > 0) {
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < n; k++) {
            g[i][k] = rng.nextDouble() - 0.5;
          }
        }
        RealMatrix q =
            new org.apache.commons.math3.linear.QRDecomposition(new Array2DRowRealMatrix(g, false))
                .getQ();
        x = q.multiply(m).multiply(q.transpose());
      }
      try {
        EigenDecomposition ed = new EigenDecomposition(x);
        return new double[][] {ed.getRealEigenvalues(), ed.getImagEigenvalues()};
      } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
        continue;
      }
    }
    return new double[][] {new double[0], new double[0]};
  }

  /**
   * Spectral radius by Gelfand's formula ρ(M) = lim ‖M^k‖^{1/k}, k = 2^60 by repeated squaring with
   * normalization: {@code ln ρ = Σ_j 2^{-j} ln s_j} where {@code s_j} is the norm removed at
   * squaring j. Robust for any real matrix (no eigen-iteration to stall); the truncation error is
   * {@code 2^{-60}·ln ρ(A_60)}, far below 1e-12 for the loops analysed here.
   */
  static double spectralRadius(RealMatrix m) {
    double s0 = m.getFrobeniusNorm();
    if (!(s0 > 0)) {
      return 0;
    }
    RealMatrix a = m.scalarMultiply(1 / s0);
    double logRho = Math.log(s0);
    double w = 1;
    for (int j = 1; j <= 60; j++) {
      a = a.multiply(a);
      double sj = a.getFrobeniusNorm();
      if (!(sj > 0)) {
        return 0; // nilpotent part only: ρ = 0
      }
      a = a.scalarMultiply(1 / sj);
      w *= 0.5;
      logRho += w * Math.log(sj);
    }
    return Math.exp(logRho);
  }

  /** One step of the closed loop as a matrix; state [x (m), f, I, u, q_1..q_delay]. */
  static RealMatrix stepMatrix(
      Plant p, double kp, double ki, double alpha, int delay, double s, boolean update, int dim) {
    return stepMatrix(p, kp, ki, alpha, delay, s, update, dim, 1);
  }

  /**
   * The one-step matrix with the output following the controller's decision through a first-order
   * lag, {@code u ← u + track·(decided − u)}, and the integrator taking {@code track} of its
   * increment ({@code track = 1}: the plain loop; the quasi-linear model of a slew limit with
   * conditional integration, {@link LrLoopNoise#slewLimited}). No delay allowed with {@code track <
   * 1}.
   */
  static RealMatrix stepMatrix(
      Plant p,
      double kp,
      double ki,
      double alpha,
      int delay,
      double s,
      boolean update,
      int dim,
      double track) {
    if (track != 1 && delay != 0) {
      throw new IllegalArgumentException("a tracking lag needs delay 0, but delay was " + delay);
    }
    double[][] mat = new double[dim][dim];
    double[] z = new double[dim];
    for (int col = 0; col < dim; col++) {
      Arrays.fill(z, 0);
      z[col] = 1;
      double[] nz = step(p, kp, ki, alpha, delay, s, update, z, track);
      for (int row = 0; row < dim; row++) {
        mat[row][col] = nz[row];
      }
    }
    return new Array2DRowRealMatrix(mat, false);
  }

  private static double[] step(
      Plant p,
      double kp,
      double ki,
      double alpha,
      int delay,
      double s,
      boolean update,
      double[] z,
      double track) {
    int m = p.states();
    int fi = m;
    int ii = m + 1;
    int ui = m + 2;
    int qi = m + 3;
    double u = z[ui];
    double y = p.d() * u;
    for (int j = 0; j < m; j++) {
      y += p.c()[j] * z[j];
    }
    double[] out = new double[z.length];
    for (int r = 0; r < m; r++) {
      double v = p.b()[r] * u;
      for (int j = 0; j < m; j++) {
        v += p.a()[r][j] * z[j];
      }
      out[r] = v;
    }
    double f = (1 - alpha) * z[fi] + alpha * y;
    out[fi] = f;
    double integ = z[ii];
    double decided;
    if (update) {
      double e = s * f;
      integ += track * ki * e;
      decided = kp * e + integ;
    } else {
      decided = delay > 0 ? z[qi + delay - 1] : u;
    }
    out[ii] = integ;
    if (delay == 0) {
      out[ui] = track == 1 ? decided : u + track * (decided - u);
    } else {
      out[ui] = z[qi];
      for (int k = 0; k < delay - 1; k++) {
        out[qi + k] = z[qi + k + 1];
      }
      out[qi + delay - 1] = decided;
    }
    return out;
  }
}

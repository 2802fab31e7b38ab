package dev.governor.control;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the LR loop's stable region ends in the (K<sub>p</sub>, K<sub>i</sub>) plane: the gains at
 * which the spectral radius of {@link LrLoopStability#analyze} crosses 1, for the synchronous,
 * reverse-acting loop updated every step ({@code period = 1}, {@code delay = 0}), with filter
 * weight {@code alpha}. All searches are bisections on the analysis; nothing is simulated.
 */
public final class LrLoopBoundary {
  private LrLoopBoundary() {}

  /** Lower end of the gain range {@link #critical} searches. */
  public static final double SEARCH_MIN = 1e-4;

  /** Upper end of the gain range {@link #critical} searches. */
  public static final double SEARCH_MAX = 1e4;

  /** Points of a boundary curve ({@link #alongKi}, {@link #alongKp}). */
  static final int CURVE_POINTS = 17;

  /** Along which gain a search runs (the other gain held fixed). */
  public enum Axis {
    /** Vary K<sub>p</sub>, hold K<sub>i</sub>. */
    KP,
    /** Vary K<sub>i</sub>, hold K<sub>p</sub>. */
    KI
  }

  /**
   * A boundary curve: point {@code k} is {@code (ki[k], kp[k])}, the gains where ρ = 1.
   *
   * @param ki integral gains
   * @param kp proportional gains, as many as {@code ki}
   */
  public record Curve(double[] ki, double[] kp) {
    /** Copies; both arrays must be equally long. */
    public Curve {
      if (ki.length != kp.length) {
        throw new IllegalArgumentException(
            "ki and kp must be equally long, but were " + ki.length + " and " + kp.length);
      }
      ki = ki.clone();
      kp = kp.clone();
    }

    /** Number of points. */
    public int size() {
      return ki.length;
    }

    @Override
    public double[] ki() {
      return ki.clone();
    }

    @Override
    public double[] kp() {
      return kp.clone();
    }
  }

  /** The spectral radius of the loop at gains ({@code kp}, {@code ki}). */
  public static double spectralRadius(
      LrLoopStability.Plant plant, double kp, double ki, double alpha) {
    return LrLoopStability.analyze(plant, kp, ki, alpha, 1, 0, true).spectralRadius();
  }

  private static boolean stable(LrLoopStability.Plant plant, double kp, double ki, double alpha) {
    return LrLoopStability.analyze(plant, kp, ki, alpha, 1, 0, true).stable();
  }

  /**
   * The gain along {@code axis} where ρ crosses 1 with the other gain fixed at {@code other}: 40
   * steps of log bisection in [{@value #SEARCH_MIN}, {@value #SEARCH_MAX}], assuming ρ &lt; 1 below
   * the crossing. +Inf when the loop is still stable at {@value #SEARCH_MAX}.
   */
  public static double critical(
      LrLoopStability.Plant plant, Axis axis, double other, double alpha) {
    double lo = SEARCH_MIN;
    double hi = SEARCH_MAX;
    if (rho(plant, axis, other, hi, alpha) < 1) {
      return Double.POSITIVE_INFINITY;
    }
    for (int k = 0; k < 40; k++) {
      double mid = Math.sqrt(lo * hi);
      if (rho(plant, axis, other, mid, alpha) < 1) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return Math.sqrt(lo * hi);
  }

  private static double rho(
      LrLoopStability.Plant plant, Axis axis, double other, double x, double alpha) {
    return axis == Axis.KI
        ? spectralRadius(plant, other, x, alpha)
        : spectralRadius(plant, x, other, alpha);
  }

  /**
   * The boundary scanned along K<sub>i</sub>: for {@value #CURVE_POINTS} values of K<sub>p</sub>
   * evenly spaced in [0, {@code kpMax}], the first stable-to-unstable step of a 17-point log grid
   * of K<sub>i</sub> over [{@code kiLo}, {@code kiHi}], refined by 14 log bisections. A
   * K<sub>p</sub> whose scan has no such step contributes no point.
   */
  public static Curve alongKi(
      LrLoopStability.Plant plant, double alpha, double kpMax, double kiLo, double kiHi) {
    List<double[]> pts = new ArrayList<>();
    int m = 16;
    for (int k = 0; k < CURVE_POINTS; k++) {
      double p = kpMax * k / (CURVE_POINTS - 1);
      double prev = Double.NaN;
      boolean prevStable = false;
      for (int j = 0; j <= m; j++) {
        double i = logGrid(kiLo, kiHi, j, m);
        boolean st = stable(plant, p, i, alpha);
        if (j > 0 && prevStable && !st) {
          double lo = prev;
          double hi = i;
          for (int b = 0; b < 14; b++) {
            double mid = Math.sqrt(lo * hi);
            if (stable(plant, p, mid, alpha)) {
              lo = mid;
            } else {
              hi = mid;
            }
          }
          pts.add(new double[] {Math.sqrt(lo * hi), p});
          break;
        }
        prev = i;
        prevStable = st;
      }
    }
    return curve(pts);
  }

  /**
   * The boundary scanned along K<sub>p</sub>: for {@value #CURVE_POINTS} log-spaced K<sub>i</sub>
   * in [{@code kiLo}, {@code kiHi}], the K<sub>p</sub> in (0, {@code kpMax}] where ρ reaches 1 (16
   * bisections), for the K<sub>i</sub> that are stable at K<sub>p</sub> = 0 and unstable at {@code
   * kpMax}: the upper edge of the stable region where the K<sub>i</sub> scan finds no step.
   */
  public static Curve alongKp(
      LrLoopStability.Plant plant, double alpha, double kpMax, double kiLo, double kiHi) {
    List<double[]> pts = new ArrayList<>();
    for (int k = 0; k < CURVE_POINTS; k++) {
      double i = logGrid(kiLo, kiHi, k, CURVE_POINTS - 1);
      if (!stable(plant, 0, i, alpha) || stable(plant, kpMax, i, alpha)) {
        continue;
      }
      double lo = 0;
      double hi = kpMax;
      for (int b = 0; b < 16; b++) {
        double mid = 0.5 * (lo + hi);
        if (stable(plant, mid, i, alpha)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      pts.add(new double[] {i, 0.5 * (lo + hi)});
    }
    return curve(pts);
  }

  private static double logGrid(double lo, double hi, int j, int intervals) {
    return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * j / intervals);
  }

  private static Curve curve(List<double[]> pts) {
    double[] ki = new double[pts.size()];
    double[] kp = new double[pts.size()];
    for (int k = 0; k < pts.size(); k++) {
      ki[k] = pts.get(k)[0];
      kp[k] = pts.get(k)[1];
    }
    return new Curve(ki, kp);
  }
}

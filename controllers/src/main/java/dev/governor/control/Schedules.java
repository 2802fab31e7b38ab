package dev.governor.control;

/**
 * Static factories for the baseline learning-rate schedules. Each validates its arguments and names
 * the bad one ({@code "cosine.t-max must be an integer >= 1, but was 0"}). All are pure functions
 * of the step (see {@link Schedule}); formulas follow PyTorch's {@code torch.optim.lr_scheduler}
 * exactly where PyTorch has the schedule.
 */
public final class Schedules {
  private Schedules() {}

  /** {@code lr} at every step. */
  public static Schedule constant(double lr) {
    requirePositive("constant.lr", lr);
    return t -> lr;
  }

  /**
   * PyTorch {@code StepLR}: {@code lr · gamma^⌊t / stepSize⌋}.
   *
   * @param lr initial rate, finite {@code > 0}
   * @param stepSize steps between decays, {@code >= 1}
   * @param gamma decay factor, in {@code (0, 1]}
   */
  public static Schedule step(double lr, long stepSize, double gamma) {
    requirePositive("step.lr", lr);
    requireAtLeast("step.step-size", stepSize, 1);
    requireFactor("step.gamma", gamma);
    return t -> lr * Math.pow(gamma, (double) (Math.max(0, t) / stepSize));
  }

  /**
   * PyTorch {@code ExponentialLR}: {@code lr · gamma^t}.
   *
   * @param lr initial rate, finite {@code > 0}
   * @param gamma decay factor per step, in {@code (0, 1]}
   */
  public static Schedule exponential(double lr, double gamma) {
    requirePositive("exponential.lr", lr);
    requireFactor("exponential.gamma", gamma);
    return t -> lr * Math.pow(gamma, (double) Math.max(0, t));
  }

  /**
   * PyTorch {@code CosineAnnealingLR} in its closed form: {@code lrMin + (lr − lrMin)·(1 + cos(π t
   * / tMax)) / 2}. Like PyTorch's closed form it continues past {@code tMax} (the rate rises again
   * along the cosine, period {@code 2·tMax}).
   *
   * @param lr initial (maximum) rate, finite {@code > 0}
   * @param lrMin final rate, finite, in {@code [0, lr]}
   * @param tMax steps of the half period, {@code >= 1}
   */
  public static Schedule cosine(double lr, double lrMin, long tMax) {
    requirePositive("cosine.lr", lr);
    requireMin("cosine.lr-min", lrMin, lr);
    requireAtLeast("cosine.t-max", tMax, 1);
    return t -> lrMin + (lr - lrMin) * (1 + Math.cos(Math.PI * Math.max(0, t) / tMax)) / 2;
  }

  /**
   * PyTorch {@code CosineAnnealingWarmRestarts} (SGDR) as stepped by {@code scheduler.step()}:
   * {@code lrMin + (lr − lrMin)·(1 + cos(π T_cur / T_i)) / 2}, where the first cycle has {@code T_i
   * = t0} steps and each restart multiplies {@code T_i} by {@code tMult}; {@code T_cur} counts
   * steps since the last restart. Step 0 (and each restart) is {@code lr}. Computed by walking the
   * cycles (O(log t) with {@code tMult > 1}, O(1) with {@code tMult = 1}), no floating-point
   * logarithm, so restart boundaries are exact.
   *
   * @param lr maximum rate, finite {@code > 0}
   * @param lrMin minimum rate, finite, in {@code [0, lr]}
   * @param t0 length of the first cycle in steps, {@code >= 1}
   * @param tMult cycle-length multiplier, {@code >= 1}
   */
  public static Schedule sgdr(double lr, double lrMin, long t0, long tMult) {
    requirePositive("sgdr.lr", lr);
    requireMin("sgdr.lr-min", lrMin, lr);
    requireAtLeast("sgdr.t0", t0, 1);
    requireAtLeast("sgdr.t-mult", tMult, 1);
    return t -> {
      long s = Math.max(0, t);
      long tCur;
      long ti;
      if (tMult == 1) {
        ti = t0;
        tCur = s % t0;
      } else {
        long start = 0;
        ti = t0;
        while (s - start >= ti) {
          start += ti;
          ti = ti > Long.MAX_VALUE / tMult ? Long.MAX_VALUE : ti * tMult;
        }
        tCur = s - start;
      }
      return lrMin + (lr - lrMin) * (1 + Math.cos(Math.PI * tCur / ti)) / 2;
    };
  }

  /**
   * PyTorch {@code OneCycleLR} with cosine annealing and two phases: from {@code lr / divFactor} up
   * to {@code lr} over the first {@code pctStart·tMax − 1} steps, then down to {@code lr /
   * (divFactor·finalDivFactor)} at step {@code tMax − 1}. PyTorch raises past {@code tMax}; here
   * steps {@code >= tMax − 1} hold the final rate.
   *
   * @param lr peak rate ({@code max_lr}), finite {@code > 0}
   * @param tMax total steps ({@code total_steps}), {@code >= 2}
   * @param pctStart fraction of the steps spent rising, in (0, 1), with {@code 1 < pctStart·tMax <
   *     tMax}
   * @param divFactor initial rate = lr / divFactor, finite {@code >= 1}
   * @param finalDivFactor final rate = initial / finalDivFactor, finite {@code >= 1}
   */
  public static Schedule oneCycle(
      double lr, long tMax, double pctStart, double divFactor, double finalDivFactor) {
    requirePositive("onecycle.lr", lr);
    requireAtLeast("onecycle.t-max", tMax, 2);
    if (!(pctStart > 0 && pctStart < 1)) {
      throw new IllegalArgumentException(
          "onecycle.pct-start must be in (0, 1), but was " + pctStart);
    }
    double end1 = pctStart * tMax - 1;
    double end2 = tMax - 1;
    if (!(end1 > 0 && end1 < end2)) {
      throw new IllegalArgumentException(
          "onecycle.pct-start × t-max must be in (1, t-max), but was "
              + (pctStart * tMax)
              + " (pct-start="
              + pctStart
              + ", t-max="
              + tMax
              + ")");
    }
    if (!(divFactor >= 1) || !Double.isFinite(divFactor)) {
      throw new IllegalArgumentException(
          "onecycle.div-factor must be finite and >= 1, but was " + divFactor);
    }
    if (!(finalDivFactor >= 1) || !Double.isFinite(finalDivFactor)) {
      throw new IllegalArgumentException(
          "onecycle.final-div-factor must be finite and >= 1, but was " + finalDivFactor);
    }
    double initial = lr / divFactor;
    double fin = initial / finalDivFactor;
    return t -> {
      double s = Math.max(0, t);
      if (s <= end1) {
        return annealCos(initial, lr, s / end1);
      }
      double pct = Math.min(1.0, (s - end1) / (end2 - end1));
      return annealCos(lr, fin, pct);
    };
  }

  /** PyTorch {@code OneCycleLR._annealing_cos}. */
  private static double annealCos(double start, double end, double pct) {
    double cosOut = Math.cos(Math.PI * pct) + 1;
    return end + (start - end) / 2.0 * cosOut;
  }

  /**
   * Linear warm-up wrapper: {@code inner(t) · min(1, (t + 1) / warmup)}. The inner schedule's clock
   * is not shifted (it runs from step 0 during the warm-up too); {@code warmup = 0} returns {@code
   * inner} unchanged.
   *
   * @param warmup warm-up length in steps, {@code >= 0}
   * @param inner the schedule to scale
   */
  public static Schedule warmup(long warmup, Schedule inner) {
    requireAtLeast("warmup.warmup", warmup, 0);
    if (inner == null) {
      throw new IllegalArgumentException("warmup.schedule must not be null");
    }
    if (warmup == 0) {
      return inner;
    }
    return t -> {
      long s = Math.max(0, t);
      double f = s + 1 >= warmup ? 1.0 : (s + 1) / (double) warmup;
      return inner.lr(s) * f;
    };
  }

  private static void requirePositive(String name, double v) {
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(name + " must be finite and > 0, but was " + v);
    }
  }

  private static void requireMin(String name, double v, double lr) {
    if (!(v >= 0 && v <= lr)) {
      throw new IllegalArgumentException(
          name + " must be finite and in [0, lr=" + lr + "], but was " + v);
    }
  }

  private static void requireFactor(String name, double v) {
    if (!(v > 0 && v <= 1)) {
      throw new IllegalArgumentException(name + " must be in (0, 1], but was " + v);
    }
  }

  private static void requireAtLeast(String name, long v, long min) {
    if (v < min) {
      throw new IllegalArgumentException(name + " must be an integer >= " + min + ", but was " + v);
    }
  }
}

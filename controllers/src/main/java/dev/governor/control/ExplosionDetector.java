package dev.governor.control;

/**
 * The safety cut's explosion detector, shared by {@code pi}'s LR loop ({@link LrLoop}) and the gear
 * of every other policy ({@link GearedPolicy}), so both cut on exactly the same steps.
 *
 * <p>It tracks reference levels {@code ref_g} = EMA of {@code ln‖g‖} and {@code ref_L} = EMA of the
 * loss (weight {@code refAlpha}, first sample taken as is). A step is an <em>explosion</em> when
 * {@code ln‖g_t‖ > ref_g + ln(growth)} and {@code ‖g_t‖ > ‖g_{t−1}‖}, or {@code L_t > growth·ref_L}
 * (positive losses) and {@code L_t > L_{t−1}}, or the loss or the gradient norm is infinite. The
 * comparison is with the references from before the step; the step is then folded into them.
 *
 * <p>NaN: a NaN (or non-positive) gradient norm and a NaN (or non-positive) loss are "not measured"
 * — no explosion from that value, references unchanged. {@code −∞} loss counts as infinite.
 * Allocation-free; not thread-safe.
 */
final class ExplosionDetector {
  private final double growth;
  private final double logGrowth;
  private final double refAlpha;

  private double refG = Double.NaN;
  private double refL = Double.NaN;
  private double prevG = Double.NaN;
  private double prevL = Double.NaN;

  /**
   * @param growth factor above the running level that is an explosion, {@code > 1}
   * @param refAlpha EMA weight of the running levels, in {@code (0, 1]}
   */
  ExplosionDetector(double growth, double refAlpha) {
    if (!(growth > 1) || !Double.isFinite(growth)) {
      throw new IllegalArgumentException("cut-growth must be finite and > 1, but was " + growth);
    }
    if (!(refAlpha > 0 && refAlpha <= 1)) {
      throw new IllegalArgumentException("cut-alpha must be in (0, 1], but was " + refAlpha);
    }
    this.growth = growth;
    this.logGrowth = Math.log(growth);
    this.refAlpha = refAlpha;
  }

  /** Checks one step's gradient norm and loss and folds them into the references. */
  boolean check(double gradNorm, double loss) {
    double g = gradNorm;
    double l = loss;
    boolean explode = g == Double.POSITIVE_INFINITY || Double.isInfinite(l);
    double lg = g > 0 && g < Double.POSITIVE_INFINITY ? Math.log(g) : Double.NaN;
    if (!Double.isNaN(lg)) {
      if (!Double.isNaN(refG) && lg > refG + logGrowth && lg > prevG) {
        explode = true;
      }
      refG = Double.isNaN(refG) ? lg : refG + refAlpha * (lg - refG);
      prevG = lg;
    }
    if (l > 0 && l < Double.POSITIVE_INFINITY) {
      if (!Double.isNaN(refL) && l > growth * refL && l > prevL) {
        explode = true;
      }
      refL = Double.isNaN(refL) ? l : refL + refAlpha * (l - refL);
      prevL = l;
    }
    return explode;
  }

  /**
   * The learning rate a safety cut goes to: {@code min(lr·cut, 1/ŝ)}, where the sharpness bound
   * applies only when {@code sharpness} is finite and {@code > 0} (on a quadratic {@code η = 1/λ}
   * removes the exploding direction at once).
   */
  static double target(double lr, double cut, double sharpness) {
    double target = lr * cut;
    if (sharpness > 0 && sharpness < Double.POSITIVE_INFINITY) {
      target = Math.min(target, 1 / sharpness);
    }
    return target;
  }

  /** The loss reference {@code ref_L} (NaN before the first positive finite loss). */
  double lossLevel() {
    return refL;
  }

  /** Appends the four references (ln‖g‖ level, loss level, previous ln‖g‖, previous loss). */
  void writeState(PolicyState.Writer w) {
    w.putDouble(refG).putDouble(refL).putDouble(prevG).putDouble(prevL);
  }

  /** Reads what {@link #writeState} wrote. */
  void readState(PolicyState.Reader r) {
    refG = r.getDouble();
    refL = r.getDouble();
    prevG = r.getDouble();
    prevL = r.getDouble();
  }
}

package dev.governor.control;

/**
 * The learning-rate loop of {@code pi}: {@code η_{t+1} = clamp(base(t+1)·e^u, floor, ceil)}, where
 * {@code u} is the output of a {@link PiController} on the configured process variable, plus a fast
 * safety cut and optional per-layer multipliers. See {@link PiPolicy} for the rationale.
 *
 * <p>Safety cut: when the {@link ExplosionDetector} (growth {@code cutGrowth}, reference weight
 * {@code refAlpha}) sees an explosion, {@code η ← min(η·cut, 1/ŝ)} ({@code ŝ} = the step's secant
 * sharpness when finite and {@code > 0}; on a quadratic {@code η = 1/λ} is the step that removes
 * the exploding direction at once), applied with {@link PiController#override} (bumpless, bypassing
 * the slew limit).
 *
 * <p>NaN: a NaN PV is a fault of the PI controller (output held). NaN loss / gradient norm mean
 * "not measured" for the safety cut (no cut, references unchanged).
 */
final class LrLoop {
  private final PiPolicyConfig.LrLoop c;
  private final Schedule base;
  private final double floor;
  private final double ceil;
  private final PiController pi;
  private final ExplosionDetector detector;

  private double lr;
  private long cuts;
  private double[] logMult = new double[0];
  private int layers;

  LrLoop(PiPolicyConfig.LrLoop c, Schedule base) {
    this.c = c;
    this.base = base;
    this.floor = c.lr() * c.floorFactor();
    this.ceil = c.lr() * c.ceilFactor();
    this.detector = new ExplosionDetector(c.cutGrowth(), c.refAlpha());
    PiConfig pc =
        PiConfig.builder()
            .kp(c.kp())
            .ki(c.ki())
            .setpoint(c.setpoint())
            .reverseActing(c.reverse())
            .filterAlpha(c.alpha())
            .period(c.period())
            .initial(0)
            .bounds(Math.log(c.floorFactor()), Math.log(c.ceilFactor()))
            .maxDelta(Math.log(c.slew()))
            .build();
    this.pi = PiController.of(pc);
    this.lr = lrAt(0);
  }

  PiController controller() {
    return pi;
  }

  /** Learning rate for step {@code step} with the current trim. */
  private double lrAt(long step) {
    double b = Math.max(Double.MIN_NORMAL, base.lr(step));
    double v = b * Math.exp(pi.output());
    return Math.max(floor, Math.min(ceil, v));
  }

  double initialLr() {
    return lrAt(0);
  }

  /** Updates from step {@code obs.step()} and returns the learning rate for the next step. */
  double update(Observation obs) {
    pi.update(measure(obs));
    boolean explode = detector.check(obs.gradNorm(), obs.loss());
    long next = obs.step() + 1;
    if (explode) {
      setLr(ExplosionDetector.target(lr, c.cut(), obs.sharpness()), next);
      cuts++;
    }
    if (c.layers()) {
      updateLayers(obs);
    }
    lr = lrAt(next);
    return lr;
  }

  /**
   * The process variable of step {@code obs.step()}. For the update ratio, a quantity proportional
   * to the learning rate, the measurement is divided by the base schedule's decay {@code
   * base(t)/base(0)} (in log10): the loop then holds the ratio at {@code setpoint ×
   * base(t)/base(0)}, so a base schedule still anneals the rate instead of being cancelled by the
   * trim. With a constant base this is the plain measurement. NaN stays NaN (a fault of the
   * controller).
   */
  private double measure(Observation obs) {
    double m = c.pv().measure(obs);
    if (c.pv() == ProcessVariable.UPDATE_RATIO && !Double.isNaN(m)) {
      double b0 = base.lr(0);
      double bt = base.lr(obs.step());
      if (b0 > 0 && bt > 0 && bt != b0) {
        m -= Math.log10(bt / b0);
      }
    }
    return m;
  }

  /** Holds the trim (a skipped / rolled-back step) and returns the next step's rate. */
  double hold(long step) {
    lr = lrAt(step + 1);
    return lr;
  }

  /** Multiplies the learning rate by {@code factor} (a guard rollback), bumplessly. */
  double cut(double factor, long step) {
    setLr(lr * factor, step + 1);
    lr = lrAt(step + 1);
    cuts++;
    return lr;
  }

  private void setLr(double target, long next) {
    double b = Math.max(Double.MIN_NORMAL, base.lr(next));
    double u = Math.log(Math.max(floor, target) / b);
    if (u < pi.output()) {
      pi.override(u);
    }
  }

  private void updateLayers(Observation obs) {
    int n = obs.layerCount();
    if (n != layers) {
      if (logMult.length < n) {
        logMult = new double[n];
      }
      java.util.Arrays.fill(logMult, 0, n, 0.0);
      layers = n;
    }
    if (n == 0) {
      return;
    }
    double sum = 0;
    int valid = 0;
    for (int i = 0; i < n; i++) {
      double r = ProcessVariable.layerUpdateRatio(obs, i);
      if (!Double.isNaN(r)) {
        sum += r;
        valid++;
      }
    }
    if (valid < 2) {
      return;
    }
    double mean = sum / valid;
    double lim = Math.log(c.layerRange());
    double shift = 0;
    for (int i = 0; i < n; i++) {
      double r = ProcessVariable.layerUpdateRatio(obs, i);
      if (!Double.isNaN(r)) {
        double m = logMult[i] - c.layerGain() * (r - mean) * Math.log(10);
        logMult[i] = Math.max(-lim, Math.min(lim, m));
      }
      shift += logMult[i];
    }
    shift /= n;
    for (int i = 0; i < n; i++) {
      logMult[i] = Math.max(-lim, Math.min(lim, logMult[i] - shift));
    }
  }

  /** Writes the per-layer multipliers (none unless the layer loop is on and layers were seen). */
  void writeMultipliers(Decision out) {
    if (!c.layers() || layers == 0) {
      out.setLayerCount(0);
      return;
    }
    out.setLayerCount(layers);
    for (int i = 0; i < layers; i++) {
      out.layerLrMultipliers[i] = Math.exp(logMult[i]);
    }
  }

  double lr() {
    return lr;
  }

  long cuts() {
    return cuts;
  }

  void writeState(PolicyState.Writer w) {
    pi.writeState(w);
    detector.writeState(w);
    w.putDouble(lr);
    w.putLong(cuts).putInt(layers);
    w.putDoubles(java.util.Arrays.copyOf(logMult, layers));
  }

  void readState(PolicyState.Reader r) {
    pi.readState(r);
    detector.readState(r);
    double l = r.getDouble();
    if (!(l >= floor && l <= ceil)) {
      throw new IllegalArgumentException(
          "pi state lr must be in [" + floor + ", " + ceil + "], but was " + l);
    }
    lr = l;
    cuts = r.getLong();
    int n = r.getInt();
    double[] m = r.getDoubles();
    if (n < 0 || m.length != n) {
      throw new IllegalArgumentException("pi state has " + m.length + " multipliers for " + n);
    }
    layers = n;
    logMult = m;
  }
}

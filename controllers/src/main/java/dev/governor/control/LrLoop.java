package dev.governor.control;

/**
 * The learning-rate loop of {@code pi}: {@code η_{t+1} = clamp(base(t+1)·e^{u + D}, floor, ceil)},
 * where {@code u} is the output of a {@link PiController} on the configured process variable, and
 * {@code D <= 0} the log of the stationarity decays so far; plus a fast safety cut and optional
 * per-layer multipliers. See {@link PiPolicy} for the rationale.
 *
 * <p>One-sided PI ({@code lower=false}, the SGD default): the loop filters the PV itself (EMA
 * weight {@code alpha}) and feeds the controller the filtered value clamped to the side of the
 * setpoint that raises the LR, so the PI climbs until the PV reaches its setpoint and then holds;
 * it never lowers the LR. With {@code lower=true} the controller filters and acts on both sides.
 *
 * <p>Stationarity test ({@code decay < 1}): over tumbling windows of {@code statWindow·statGrow^k}
 * steps after {@code k} decays, the window counts as stationary when ‖θ‖² has stopped changing
 * (with {@code statNorm}, whenever the parameter norm is measured: the mean step-to-step change of
 * ‖θ‖² is within {@code statNormZ} standard errors of 0, as it is in expectation once the iterates
 * are stationary — the fluctuation-dissipation relation of SGD — or, with {@code statNormTol}, is
 * measured within that fraction of the mean squared update norm, except in the first window after a
 * decay, a cut, the start or a window in which the LR rose; with {@code statNormSinceDecay} the
 * changes of every window since that first one count, not only the window's) or else when the loss
 * has stopped falling (the least-squares slope of ln(loss) on the step index is not below {@code
 * −statZ} standard errors). When it is stationary and successive gradients do not agree on average
 * (mean alignment over the window {@code <= 0}: Pflug's criterion), {@code D} drops by {@code
 * ln(decay)}. After the first pass, with {@code annealHold}, the PI output is held and only the
 * decays and cuts move the LR.
 *
 * <p>Safety cut: when the {@link ExplosionDetector} (growth {@code cutGrowth}, reference weight
 * {@code refAlpha}) sees an explosion, {@code η ← min(η·cut, 1/ŝ)} ({@code ŝ} = the step's secant
 * sharpness when finite and {@code > 0}; on a quadratic {@code η = 1/λ} is the step that removes
 * the exploding direction at once), applied with {@link PiController#override} (bumpless, bypassing
 * the slew limit); a cut also starts a new test window. With {@code cutFreeze} the trim stays where
 * an episode of cuts left it until the plant has come back ({@link CutFreeze}).
 *
 * <p>Ramp ({@code ramp > 0}): at step {@code t < ramp} the LR is at most {@code
 * lr^{1−t/ramp}·η^{t/ramp}}, {@code η} the loop's LR and {@code lr} the configured initial one: a
 * geometric warm-up from where the run started to where the loop (a calibration, say) put it. It
 * only limits rises; a loop LR below {@code lr} passes unchanged.
 *
 * <p>Restart ({@code restart > 0}): see {@link StartRestart}; {@link #restart} lowers the LR to the
 * safety cut's target and the policy restores the start state.
 *
 * <p>NaN: a NaN PV is a fault of the PI controller (output held) and does not enter the one-sided
 * filter. NaN loss / gradient norm mean "not measured" for the safety cut (no cut, references
 * unchanged); a loss that is NaN, ±Inf or {@code <= 0} is not a sample of the stationarity test,
 * and a NaN/Inf alignment does not enter its mean. {@code D} stays in {@code [ln(floor/ceil), 0]}.
 */
final class LrLoop {
  private final PiPolicyConfig.LrLoop c;
  private final Schedule base;
  private final double floor;
  private final double ceil;
  private final PiController pi;
  private final ExplosionDetector detector;

  private final double minLogDecay;

  private double lr;
  private long cuts;

  /** EMA of the PV when the controller is one-sided (it then sees the clamped EMA); else NaN. */
  private double pvFilt = Double.NaN;

  /** ln of the product of the stationarity decays so far (0 = none), in [minLogDecay, 0]. */
  private double logDecay;

  /** Whether the stationarity test has passed at least once. */
  private boolean annealing;

  /**
   * Test windows closed since the last decay, cut, the start or the last window in which the LR
   * rose.
   */
  private long windowsSinceDecay;

  /** The LR when the current test window started; NaN after a cut or at the start. */
  private double windowStartLr = Double.NaN;

  /** Decays so far. */
  private long decays;

  /** The current stationarity-test window. */
  private final LossSlopeWindow window = new LossSlopeWindow();

  private double[] logMult = new double[0];
  private int layers;

  /** Rise hold: the sign of the first finite error (0 = none yet), whether it has changed since. */
  private int firstSign;

  private boolean reached;

  /** Rise hold: the highest trim allowed once the setpoint was reached. */
  private double uMax = Double.POSITIVE_INFINITY;

  private final CutFreeze freeze;

  private final StartRestart restart;

  LrLoop(PiPolicyConfig.LrLoop c, Schedule base) {
    this.c = c;
    this.base = base;
    this.floor = c.lr() * c.floorFactor();
    this.ceil = c.lr() * c.ceilFactor();
    this.detector = new ExplosionDetector(c.cutGrowth(), c.refAlpha());
    this.restart = new StartRestart(c.restart(), c.restartMove());
    this.freeze = new CutFreeze(c.cutFreeze(), c.alpha(), (long) Math.ceil(1 / c.refAlpha()));
    PiConfig pc =
        PiConfig.builder()
            .kp(c.kp())
            .ki(c.ki())
            .setpoint(c.setpoint())
            .reverseActing(c.reverse())
            .filterAlpha(c.lower() ? c.alpha() : 1.0)
            .period(c.period())
            .initial(0)
            .bounds(Math.log(c.floorFactor()), Math.log(c.ceilFactor()))
            .maxDelta(Math.log(c.slew()))
            .build();
    this.pi = PiController.of(pc);
    this.minLogDecay = Math.log(c.floorFactor() / c.ceilFactor());
    this.lr = lrAt(0);
  }

  PiController controller() {
    return pi;
  }

  /** Learning rate for step {@code step} with the current trim. */
  private double lrAt(long step) {
    double b = Math.max(Double.MIN_NORMAL, base.lr(step));
    double v = Math.max(floor, Math.min(ceil, b * Math.exp(pi.output() + logDecay)));
    if (step < c.ramp() && v > c.lr()) {
      double f = (double) step / c.ramp();
      v = Math.min(v, Math.exp((1 - f) * Math.log(c.lr()) + f * Math.log(v)));
    }
    return v;
  }

  double initialLr() {
    return lrAt(0);
  }

  /**
   * The peak LR under the present trim: the configured {@code lr} (the base schedule's peak) times
   * {@code e^u}, within the floor and ceiling; the stationarity decays, which anneal, are not part
   * of it.
   */
  double peak() {
    return Math.max(floor, Math.min(ceil, c.lr() * Math.exp(pi.output())));
  }

  /** Updates from step {@code obs.step()} and returns the learning rate for the next step. */
  double update(Observation obs) {
    double m = measure(obs);
    double v = c.lower() ? m : oneSided(m);
    if (c.calibrate() && !reached && Double.isFinite(m)) {
      calibrate(m);
    } else if (!(annealing && c.annealHold())) {
      pi.update(v);
      if (c.riseHold()) {
        riseHold();
      }
      if (freeze.frozen()) {
        double bound = freeze.bound(obs.loss());
        if (pi.output() > bound) {
          pi.override(bound);
        }
      }
    }
    boolean explode = detector.check(obs.gradNorm(), obs.loss());
    long next = obs.step() + 1;
    if (explode) {
      setLr(ExplosionDetector.target(lr, c.cut(), obs.sharpness()), next);
      episodeCut(c.cut());
      cuts++;
      window.reset();
      windowsSinceDecay = 0;
      windowStartLr = Double.NaN;
    } else {
      freeze.calm();
      if (c.decay() < 1) {
        testStationarity(obs.loss(), obs.alignment(), obs.paramNorm(), obs.updateNorm());
      }
    }
    if (c.layers()) {
      updateLayers(obs);
    }
    lr = lrAt(next);
    return lr;
  }

  /**
   * Calibration from the first measured update ratio {@code m}: the ratio answers ln η with the
   * static gain {@code 1/ln 10} within the step (Adam's step is ∝ η; its first is {@code η·sign(g)}
   * whatever η is), so the trim {@code u + (setpoint − m)·ln 10} is the one whose step would have
   * had the setpoint's ratio. It is applied bumplessly, within the trim's bounds, and the rise hold
   * counts the setpoint as reached there: the loop may lower the trim, not raise it above.
   */
  private void calibrate(double m) {
    pi.override(pi.output() + (c.setpoint() - m) * Math.log(10));
    reached = true;
    uMax = pi.output();
  }

  /**
   * Rise hold: the setpoint counts as reached when the controller's error first differs in sign
   * from its first finite value (or is 0); from then on the trim may not exceed its value at that
   * moment (applied with {@link PiController#override}, bumpless).
   */
  private void riseHold() {
    double e = pi.error();
    if (!Double.isFinite(e)) {
      return;
    }
    int sign = e > 0 ? 1 : e < 0 ? -1 : 0;
    if (!reached) {
      if (firstSign == 0 && sign != 0) {
        firstSign = sign;
      } else if (sign != firstSign) {
        reached = true;
        uMax = pi.output();
      }
    }
    if (reached && pi.output() > uMax) {
      pi.override(uMax);
    }
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

  /**
   * Adds the step to the test window and, once the window holds {@code statWindow·statGrow^k}
   * losses, tests it: stationary when ‖θ‖² has stopped changing ({@code statNorm} and at least two
   * changes measured: {@link LossSlopeWindow#normStationary} with {@code statNormZ} and {@code
   * statNormTol}, over the changes since the last decay or cut with {@code statNormSinceDecay},
   * else over the window's) or else when ln(loss) has stopped falling (slope {@code b} on the step
   * index with standard error {@code se = √(SSR / ((n−2)·Sxx))}, {@code b ≥ −statZ·se}). A
   * stationary window whose mean alignment is {@code <= 0} (Pflug's criterion) multiplies the LR by
   * {@code decay}; either way a new window starts. ‖θ‖² is followed through the flat directions of
   * the problem, which a loss dominated by the stiff ones cannot see converge, and gathering its
   * changes over the windows since the first one after the last decay lets a drift too slow for one
   * window hold the LR. A loss that is NaN, ±Inf or {@code <= 0} is not a sample, nor is a NaN or
   * infinite norm. While the one-sided climb is still raising the LR the alignment is above its
   * setpoint 0, so Pflug's criterion also keeps the decays out of the climb; the test windows
   * tumble from step 0 regardless.
   */
  private void testStationarity(
      double loss, double alignment, double paramNorm, double updateNorm) {
    if (c.statNorm()) {
      window.addNorm(paramNorm, updateNorm);
    }
    if (!(loss > 0) || loss == Double.POSITIVE_INFINITY) {
      return;
    }
    window.add(Math.log(loss), alignment);
    if (window.size() < windowLength()) {
      return;
    }
    // the first window after a decay, a cut, the start or the climb holds the relaxation to the
    // new LR: the z-test alone judges it, and its changes of ‖θ‖² are not carried on
    boolean settled = windowsSinceDecay > 0;
    boolean flat =
        c.statNorm() && window.normChanges() >= 2
            ? window.normStationary(c.statNormZ(), settled ? c.statNormTol() : 0)
            : window.slope() >= -c.statZ() * window.slopeError();
    // Pflug's criterion as the second half: successive gradients that still agree on average mean
    // the loss is flat for lack of step length, not because noise dominates
    boolean decayed = flat && !window.gradientsAgree();
    if (decayed) {
      logDecay = Math.max(minLogDecay, logDecay + Math.log(c.decay()));
      annealing = true;
      decays++;
    }
    // a window in which the LR rose belongs to the climb: it restarts the count like a decay
    boolean climbed = lr > windowStartLr;
    window.reset(c.statNormSinceDecay() && !decayed && !climbed && settled);
    windowsSinceDecay = decayed || climbed ? 0 : windowsSinceDecay + 1;
    windowStartLr = lr;
  }

  /**
   * The current window's length: {@code statWindow·statGrow^decays}. On a quadratic, SGD relaxes
   * towards its stationary loss in about {@code 1/(ηλ)} steps, so after each decay the loss needs
   * longer to settle and the next test needs a longer window to see it; the growth factor is the
   * exponent of that dependence (√2: window ∝ η^{−1/2} for {@code decay = 0.5}).
   */
  private double windowLength() {
    return c.statGrow() == 1
        ? c.statWindow()
        : Math.min(1e12, c.statWindow() * Math.pow(c.statGrow(), decays));
  }

  /**
   * Filters {@code m} and returns the filtered value clamped to the side of the setpoint that
   * raises the LR (the controller, unfiltered, then never lowers it). NaN/Inf stay as they are (a
   * fault of the controller) and do not enter the filter.
   */
  private double oneSided(double m) {
    if (!Double.isFinite(m)) {
      return m;
    }
    pvFilt = Double.isNaN(pvFilt) ? m : pvFilt + c.alpha() * (m - pvFilt);
    double sp = c.setpoint();
    return c.reverse() ? Math.max(sp, pvFilt) : Math.min(sp, pvFilt);
  }

  /** The filtered process variable (before the one-sided clamp); NaN before the first sample. */
  double filtered() {
    return c.lower() ? pi.filtered() : pvFilt;
  }

  /** Holds the trim (a skipped / rolled-back step) and returns the next step's rate. */
  double hold(long step) {
    lr = lrAt(step + 1);
    return lr;
  }

  /**
   * Whether step {@code obs.step()} restarts the run ({@code restart > 0}, see the class comment);
   * if so the LR has been cut, and the step's measurements are not fed to the loop.
   */
  boolean restart(Observation obs) {
    if (!restart.check(obs.loss(), obs.paramNorm(), obs.updateNorm())) {
      return false;
    }
    double target = ExplosionDetector.target(lr, c.cut(), obs.sharpness());
    cut(target / lr, obs.step());
    return true;
  }

  /** Multiplies the learning rate by {@code factor} (a guard rollback), bumplessly. */
  double cut(double factor, long step) {
    setLr(lr * factor, step + 1);
    episodeCut(factor);
    lr = lrAt(step + 1);
    cuts++;
    return lr;
  }

  /**
   * After a cut by {@code factor} has set the trim: the cut freeze records it, and with {@code
   * holdCut} the first cut of an episode lowers the rise hold's bound by the factor (once the hold
   * is engaged; never below the trim's lower bound) — the episode says the held peak is too high
   * for the plant, once per episode as TCP halves its window once per loss event.
   */
  private void episodeCut(double factor) {
    boolean first = freeze.cut(pi.output(), detector.lossLevel());
    if (first && c.holdCut() && reached) {
      uMax = Math.max(Math.log(c.floorFactor()), uMax + Math.log(factor));
    }
  }

  private void setLr(double target, long next) {
    double b = Math.max(Double.MIN_NORMAL, base.lr(next));
    double u = Math.log(Math.max(floor, target) / b) - logDecay;
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

  /** Stationarity decays so far. */
  long decays() {
    return decays;
  }

  void writeState(PolicyState.Writer w) {
    pi.writeState(w);
    detector.writeState(w);
    w.putDouble(lr);
    w.putLong(cuts).putInt(layers);
    w.putDoubles(java.util.Arrays.copyOf(logMult, layers));
    w.putDouble(pvFilt).putDouble(logDecay).putBoolean(annealing).putLong(decays);
    window.writeState(w);
    w.putLong(windowsSinceDecay).putDouble(windowStartLr);
    w.putInt(firstSign).putBoolean(reached).putDouble(uMax);
    freeze.writeState(w);
    restart.writeState(w);
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
    double f = r.getDouble();
    double d = r.getDouble();
    if (!(d >= minLogDecay && d <= 0)) {
      throw new IllegalArgumentException(
          "pi state log-decay must be in [" + minLogDecay + ", 0], but was " + d);
    }
    boolean a = r.getBoolean();
    long k = r.getLong();
    if (k < 0) {
      throw new IllegalArgumentException("pi state decays must be >= 0, but were " + k);
    }
    window.readState(r);
    long ws = r.getLong();
    if (ws < 0) {
      throw new IllegalArgumentException(
          "pi state windows since the last decay must be >= 0, but were " + ws);
    }
    double wl = r.getDouble();
    if (wl <= 0 || wl == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException(
          "pi state window start lr must be NaN or in (0, inf), but was " + wl);
    }
    windowsSinceDecay = ws;
    windowStartLr = wl;
    pvFilt = f;
    logDecay = d;
    annealing = a;
    decays = k;
    int fs = r.getInt();
    boolean re = r.getBoolean();
    double um = r.getDouble();
    if (fs < -1 || fs > 1 || Double.isNaN(um)) {
      throw new IllegalArgumentException(
          "pi state rise hold must have a sign in [-1, 1] and a bound, but had " + fs + ", " + um);
    }
    firstSign = fs;
    reached = re;
    uMax = um;
    freeze.readState(r);
    restart.readState(r);
  }
}

package dev.governor.control;

import java.util.Set;

/**
 * The options of a {@code pi} spec read over {@link PiPolicyConfig#defaults()}: which keys {@code
 * pi} accepts, each option's range check (the error names the policy, the key and the value), and
 * the guard options that {@code pi} shares with the gear of the other policies.
 */
final class PiSpecOptions {
  private PiSpecOptions() {}

  /**
   * The guard's options, which {@code pi} and the gear of the other policies accept alike: {@code
   * guard} (on/off) and those {@link #guardConfig} reads.
   */
  static final Set<String> GUARD_KEYS =
      Set.of(
          "guard",
          "guard-window",
          "guard-min",
          "guard-z-clip",
          "guard-z-skip",
          "guard-z-rollback",
          "guard-cut");

  /** Every option {@code pi} accepts (its own, plus the base schedules' options). */
  static final Set<String> KEYS =
      Options.keys(
          Set.of(
              "optimizer",
              "lr",
              "base",
              "pv",
              "setpoint",
              "reverse",
              "kp",
              "ki",
              "alpha",
              "period",
              "slew",
              "lr-floor",
              "lr-ceil",
              "cut-growth",
              "cut",
              "cut-alpha",
              "layers",
              "layer-gain",
              "layer-range",
              "decay",
              "stat-window",
              "stat-z",
              "stat-grow",
              "stat-test",
              "stat-norm-z",
              "stat-norm-tol",
              "stat-norm-span",
              "anneal-hold",
              "rise-hold",
              "cut-freeze",
              "hold-cut",
              "calibrate",
              "ramp",
              "restart",
              "restart-move",
              "lower",
              "clip-loop",
              "clip",
              "clip-rate",
              "clip-kp",
              "clip-ki",
              "clip-alpha",
              "clip-init",
              "clip-range",
              "clip-slew",
              "clip-hold-rate",
              "wd",
              "wd-tau",
              "wd-loop",
              "gap-pv",
              "gap",
              "wd-kp",
              "wd-ki",
              "wd-alpha",
              "wd-range"),
          GUARD_KEYS,
          Set.of(
              "lr-min",
              "t-max",
              "t0",
              "t-mult",
              "step-size",
              "gamma",
              "warmup",
              "pct-start",
              "div-factor",
              "final-div-factor"));

  private static double cutFreezeOption(PolicySpec s, double fallback) {
    double v = Options.nonNegative(s, "cut-freeze", fallback);
    if (v != 0 && !(v >= 1 && v < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          s.name() + ".cut-freeze must be 0 (off) or a finite factor >= 1, but was " + v);
    }
    return v;
  }

  /** {@link PiPolicyConfig#from}. */
  static PiPolicyConfig read(PolicySpec s) {
    Options.allow(s, KEYS);
    PiPolicyConfig d = PiPolicyConfig.defaults();
    PiPolicyConfig.LrLoop l = d.lr();
    String optimizer = s.getString("optimizer", "sgd");
    if (!optimizer.equals("sgd") && !optimizer.equals("adaptive")) {
      throw new IllegalArgumentException(
          s.name() + ".optimizer must be sgd or adaptive, but was '" + optimizer + "'");
    }
    if (optimizer.equals("adaptive")) {
      l = PiPolicyConfig.adaptive(l, s.has("t-max"));
    }
    double lr = Options.positive(s, "lr", l.lr());
    String base = s.getString("base", l.base());
    if (!SchedulePolicy.KEYS.containsKey(base) && !base.equals(PiPolicyConfig.NETWORK_BASE)) {
      java.util.List<String> bases = new java.util.ArrayList<>(SchedulePolicy.KEYS.keySet());
      bases.add(PiPolicyConfig.NETWORK_BASE);
      throw new IllegalArgumentException(
          s.name() + ".base must be one of " + bases + ", but was '" + base + "'");
    }
    ProcessVariable pv = s.has("pv") ? pvOption(s, "pv") : l.pv();
    if (pv == ProcessVariable.CLIP_INDICATOR
        || pv == ProcessVariable.GENERALIZATION_GAP
        || pv == ProcessVariable.RELATIVE_GAP) {
      throw new IllegalArgumentException(
          s.name()
              + ".pv must be one of [alignment, update-ratio, sharpness-lr, grad-loss-ratio], but"
              + " was '"
              + pv.key()
              + "'");
    }
    double floorF = l.floorFactor();
    double ceilF = l.ceilFactor();
    if (s.has("lr-floor")) {
      floorF = Options.positive(s, "lr-floor", 0) / lr;
    }
    if (s.has("lr-ceil")) {
      ceilF = Options.positive(s, "lr-ceil", 0) / lr;
    }
    if (!(floorF <= 1)) {
      throw new IllegalArgumentException(
          s.name() + ".lr-floor must be <= lr=" + lr + ", but was " + floorF * lr);
    }
    if (!(ceilF >= 1)) {
      throw new IllegalArgumentException(
          s.name() + ".lr-ceil must be >= lr=" + lr + ", but was " + ceilF * lr);
    }
    boolean adaptive = optimizer.equals("adaptive");
    boolean calibrate = calibrateOption(s, pv, adaptive ? !base.equals("constant") : l.calibrate());
    double spDefault =
        adaptive && calibrate && pv == ProcessVariable.UPDATE_RATIO
            ? PiPolicyConfig.CALIBRATED_SETPOINT
            : pv == l.pv() ? l.setpoint() : PiPolicyConfig.defaultSetpoint(pv);
    PiPolicyConfig.LrLoop lrl =
        new PiPolicyConfig.LrLoop(
            lr,
            base,
            pv,
            Options.finite(s, "setpoint", spDefault),
            s.getBoolean("reverse", pv == l.pv() ? l.reverse() : PiPolicyConfig.defaultReverse(pv)),
            Options.nonNegative(s, "kp", l.kp()),
            Options.nonNegative(s, "ki", l.ki()),
            Options.closed(s, "alpha", l.alpha(), Double.MIN_VALUE, 1),
            Options.atLeast(s, "period", l.period(), 1),
            greaterThanOne(s, "slew", l.slew()),
            floorF,
            ceilF,
            greaterThanOne(s, "cut-growth", l.cutGrowth()),
            Options.open(s, "cut", l.cut(), 0, 1),
            Options.closed(s, "cut-alpha", l.refAlpha(), Double.MIN_VALUE, 1),
            s.getBoolean("layers", l.layers()),
            Options.nonNegative(s, "layer-gain", l.layerGain()),
            greaterThanOne(s, "layer-range", l.layerRange()),
            decayOption(s, l.decay()),
            Options.atLeast(s, "stat-window", l.statWindow(), 3),
            statGrowOption(s, l.statGrow()),
            Options.nonNegative(s, "stat-z", l.statZ()),
            choiceOption(s, "stat-test", "norm", "loss", l.statNorm()),
            Options.nonNegative(s, "stat-norm-z", l.statNormZ()),
            Options.nonNegative(s, "stat-norm-tol", l.statNormTol()),
            choiceOption(s, "stat-norm-span", "decay", "window", l.statNormSinceDecay()),
            s.getBoolean("anneal-hold", l.annealHold()),
            s.getBoolean("lower", l.lower()),
            s.getBoolean("rise-hold", l.riseHold()),
            cutFreezeOption(s, l.cutFreeze()),
            s.getBoolean("hold-cut", l.holdCut()),
            calibrate,
            Options.atLeast(s, "ramp", l.ramp(), 0),
            restartOption(s, l.restart()),
            restartMoveOption(s, l.restartMove()));
    PiPolicyConfig.ClipLoop c = d.clip();
    PiPolicyConfig.ClipLoop cl =
        new PiPolicyConfig.ClipLoop(
            s.getBoolean("clip-loop", c.on()),
            Options.clip(s, "clip", c.fixed()),
            Options.open(s, "clip-rate", c.rate(), 0, 1),
            Options.nonNegative(s, "clip-kp", c.kp()),
            Options.nonNegative(s, "clip-ki", c.ki()),
            Options.closed(s, "clip-alpha", c.alpha(), Double.MIN_VALUE, 1),
            Options.positive(s, "clip-init", c.initFactor()),
            greaterThanOne(s, "clip-range", c.range()),
            greaterThanOne(s, "clip-slew", c.slew()),
            Options.closed(s, "clip-hold-rate", c.holdRate(), Double.MIN_VALUE, 1));
    PiPolicyConfig.WdLoop w = d.wd();
    ProcessVariable gapPv = s.has("gap-pv") ? pvOption(s, "gap-pv") : w.pv();
    if (gapPv != ProcessVariable.GENERALIZATION_GAP && gapPv != ProcessVariable.RELATIVE_GAP) {
      throw new IllegalArgumentException(
          s.name() + ".gap-pv must be one of [gap, relative-gap], but was '" + gapPv.key() + "'");
    }
    PiPolicyConfig.WdLoop wl =
        new PiPolicyConfig.WdLoop(
            Options.nonNegative(s, "wd", w.wd()),
            s.has("wd-tau") ? Options.closed(s, "wd-tau", 1, 1e-3, 1e3) : w.tau(),
            s.getBoolean("wd-loop", w.on()),
            gapPv,
            Options.finite(s, "gap", w.setpoint()),
            Options.nonNegative(s, "wd-kp", w.kp()),
            Options.nonNegative(s, "wd-ki", w.ki()),
            Options.closed(s, "wd-alpha", w.alpha(), Double.MIN_VALUE, 1),
            greaterThanOne(s, "wd-range", w.range()));
    return new PiPolicyConfig(lrl, cl, wl, s.getBoolean("guard", d.guardOn()), guardConfig(s));
  }

  /**
   * The guard configuration from the options {@code guard-window guard-min guard-z-clip
   * guard-z-skip guard-z-rollback guard-cut}, defaults {@link GuardConfig#defaults()}; shared by
   * {@code pi} and the gear of the other policies ({@link Gear}).
   *
   * @throws IllegalArgumentException prefixed with the policy name when a value is invalid
   */
  static GuardConfig guardConfig(PolicySpec s) {
    GuardConfig g = GuardConfig.defaults();
    int window = (int) Options.atLeast(s, "guard-window", g.window(), 4);
    int min = (int) Options.atLeast(s, "guard-min", g.minSamples(), 2);
    double zClip = s.getDouble("guard-z-clip", g.zClip());
    double zSkip = s.getDouble("guard-z-skip", g.zSkip());
    double zRollback = s.getDouble("guard-z-rollback", g.zRollback());
    double cut = s.getDouble("guard-cut", g.lrCut());
    try {
      return new GuardConfig(window, min, zClip, zSkip, zRollback, cut);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(s.name() + "." + e.getMessage(), e);
    }
  }

  private static double statGrowOption(PolicySpec s, double fallback) {
    double v = s.getDouble("stat-grow", fallback);
    if (!(v >= 1 && v <= 10)) {
      throw new IllegalArgumentException(s.name() + ".stat-grow must be in [1, 10], but was " + v);
    }
    return v;
  }

  /** A two-valued option: {@code yes} is true, {@code no} false, anything else is named. */
  private static boolean choiceOption(
      PolicySpec s, String key, String yes, String no, boolean fallback) {
    if (!s.has(key)) {
      return fallback;
    }
    String v = s.getString(key, "");
    if (v.equals(yes) || v.equals(no)) {
      return v.equals(yes);
    }
    throw new IllegalArgumentException(
        s.name() + "." + key + " must be one of [" + yes + ", " + no + "], but was '" + v + "'");
  }

  private static double decayOption(PolicySpec s, double fallback) {
    double v = s.getDouble("decay", fallback);
    if (!(v > 0 && v <= 1)) {
      throw new IllegalArgumentException(s.name() + ".decay must be in (0, 1], but was " + v);
    }
    return v;
  }

  /** {@code restart}: 0 (off) or a loss factor {@code > 1}. */
  static double restartOption(PolicySpec s, double dflt) {
    double v = Options.nonNegative(s, "restart", dflt);
    if (v != 0 && !(v > 1)) {
      throw new IllegalArgumentException(
          s.name() + ".restart must be 0 (off) or > 1, but was " + v);
    }
    return v;
  }

  /** {@code restart-move}: 0 (off) or the longest step relative to ‖θ‖, finite {@code > 0}. */
  static double restartMoveOption(PolicySpec s, double dflt) {
    double v = Options.nonNegative(s, "restart-move", dflt);
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(
          s.name() + ".restart-move must be 0 (off) or finite > 0, but was " + v);
    }
    return v;
  }

  private static boolean calibrateOption(PolicySpec s, ProcessVariable pv, boolean dflt) {
    boolean on = s.getBoolean("calibrate", dflt && pv == ProcessVariable.UPDATE_RATIO);
    if (on && pv != ProcessVariable.UPDATE_RATIO) {
      throw new IllegalArgumentException(
          s.name() + ".calibrate needs pv=update-ratio, but pv was '" + pv.key() + "'");
    }
    return on;
  }

  private static ProcessVariable pvOption(PolicySpec s, String key) {
    try {
      return ProcessVariable.ofKey(s.getString(key, ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(s.name() + "." + key + ": " + e.getMessage(), e);
    }
  }

  private static double greaterThanOne(PolicySpec s, String key, double fallback) {
    return Options.greaterThanOne(s, key, fallback);
  }
}

package dev.governor.control;

/**
 * The default feedback policy {@code pi}: an LR loop, a clip loop and a weight-decay loop, plus the
 * spike guard. Configuration and every default: {@link PiPolicyConfig}.
 *
 * <p><b>LR loop</b> ({@link LrLoop}), SGD form: a one-sided climb plus stationarity decays. Process
 * variable: gradient alignment {@code a_t = cos(g_t, g_{t−1})}, EMA-filtered, setpoint 0, PI on
 * {@code ln η} that may only raise η. A positive alignment means successive steps agree — the step
 * is too short — and η rises (hypergradient descent, Baydin et al. 2018: {@code Δln η ∝
 * g_t·g_{t−1}}); the climb stops where the alignment reaches 0 — on a quadratic without noise where
 * ηλ along the step is about 1. Why one-sided: on a noisy quadratic at stationarity {@code
 * E[g_t·g_{t−1}] = −ηh²σ²/(2−ηh)} per direction, negative at every η, so a two-sided loop keeps
 * lowering η roughly as 1/t at a rate set by its gain — a decay schedule with a tuned constant, not
 * regulation. The decay is instead a statistical decision: over tumbling windows the loop tests
 * whether ln(loss) is still falling (least-squares slope against its standard error) and whether
 * successive gradients still agree on average (Pflug's criterion); when neither holds the loss has
 * stopped improving at this η and η is halved (the step decay of SASA+, Lang, Xiao &amp; Zhang
 * 2019, with a loss-slope test in place of their ⟨θ, g⟩ statistic). The LR bounds are wide ({@code
 * lr × [1e-4, 1e4]}) so a start 1000× too low can climb to the edge; against too high, a <em>safety
 * cut</em> acts within a step: a rising explosion of ‖g‖ or the loss cuts η to {@code min(η·cut,
 * 1/ŝ)}. A base schedule can be set ({@code base=cosine} …): then the loop is a multiplicative trim
 * on that schedule (schedule × controller); {@code base=network} trims the schedule the trained
 * network is configured with, which the plant supplies ({@link Policies#create(PolicySpec,
 * Schedule)}; without one it is {@code constant} at {@code lr}). {@code lower=true, decay=1,
 * ki=0.1} gives the two-sided alignment loop without the test.
 *
 * <p><b>Clip loop</b> ({@link ClipLoop}): clip rate → log threshold, target 5 %. <b>Weight-decay
 * loop</b> ({@link WdLoop}): decoupled decay with a fixed coefficient ({@code wd}) or one set from
 * an EMA timescale and the LR loop's peak ({@code wd-tau}), times a trim on the generalization gap
 * at the validation rate. <b>Guard</b> ({@link SpikeGuard}): on SKIP or ROLLBACK the loops hold
 * (the step's measurements are not trusted); on ROLLBACK the LR is also cut by {@code guard-cut},
 * and the LR loop brings it back (with {@code cut-freeze}, the Adam form's default, only once the
 * loss is back within that factor of its level before the cuts, or after the cut's reference
 * horizon); on CLIP the threshold of the decision is tightened to the guard's {@link
 * SpikeGuard#clipLimit()}.
 *
 * <p>NaN/Inf: see each loop; no NaN/Inf reaches a decision (clip is +Inf only until the first
 * finite gradient norm, or when the clip loop is off with {@code clip=inf}). {@code decide} is
 * allocation-free.
 */
final class PiPolicy implements Policy {
  private final PolicySpec spec;
  private final PiPolicyConfig cfg;
  private final LrLoop lrLoop;
  private final ClipLoop clipLoop;
  private final WdLoop wdLoop;
  private final SpikeGuard guard;
  private final Hyperparameters initial;

  /** The base schedule the plant supplied for {@code base=network}, or null. */
  private final Schedule supplied;

  private PiPolicy(PolicySpec spec, Schedule supplied) {
    this.spec = spec;
    this.cfg = PiPolicyConfig.from(spec);
    boolean network = cfg.lr().base().equals(PiPolicyConfig.NETWORK_BASE);
    this.supplied = network ? supplied : null;
    String kind = network ? "constant" : cfg.lr().base();
    PolicySpec scheduleSpec = PolicySpec.of(kind).with("lr", cfg.lr().lr());
    for (String k : SchedulePolicy.KEYS.get(kind)) {
      if (spec.has(k)) {
        scheduleSpec = scheduleSpec.with(k, spec.getString(k, ""));
      }
    }
    if (spec.has("warmup")) {
      scheduleSpec = scheduleSpec.with("warmup", spec.getString("warmup", "0"));
    }
    Schedule base =
        this.supplied != null ? this.supplied : SchedulePolicy.schedule(scheduleSpec, kind);
    this.lrLoop = new LrLoop(cfg.lr(), base);
    this.clipLoop = new ClipLoop(cfg.clip());
    double lr0 = lrLoop.initialLr();
    this.wdLoop = new WdLoop(cfg.wd(), spec.has("t-max") ? spec.getLong("t-max", 0) : 0);
    this.guard = cfg.guardOn() ? SpikeGuard.of(cfg.guard()) : null;
    this.initial = Hyperparameters.of(lr0, clipLoop.initial(), wdLoop.value(lr0, lrLoop.peak()));
  }

  static PiPolicy of(PolicySpec spec) {
    return new PiPolicy(spec, null);
  }

  /**
   * With {@code base=network}, the LR loop trims {@code base} (the plant's schedule) instead of the
   * constant stand-in; for any other base {@code base} is not used.
   */
  static PiPolicy of(PolicySpec spec, Schedule base) {
    return new PiPolicy(spec, base);
  }

  /** The resolved configuration. */
  PiPolicyConfig config() {
    return cfg;
  }

  @Override
  public Hyperparameters initial() {
    return initial;
  }

  @Override
  public void decide(Observation obs, Decision out) {
    long t = obs.step();
    boolean restart = lrLoop.restart(obs);
    GuardAction action =
        restart
            ? GuardAction.RESET
            : guard == null ? GuardAction.NONE : guard.check(obs.loss(), obs.gradNorm());
    double lr;
    double clip;
    double wd;
    if (restart) {
      lr = lrLoop.lr();
      clip = clipLoop.clip();
      wd = wdLoop.value(lr, lrLoop.peak());
    } else if (action == GuardAction.SKIP || action == GuardAction.ROLLBACK) {
      lr = action == GuardAction.ROLLBACK ? lrLoop.cut(cfg.guard().lrCut(), t) : lrLoop.hold(t);
      clip = clipLoop.clip();
      wd = wdLoop.value(lr, lrLoop.peak());
    } else {
      lr = lrLoop.update(obs);
      clip = clipLoop.update(obs);
      wd = wdLoop.update(obs, lr, lrLoop.peak());
    }
    if (action != GuardAction.NONE && guard != null) {
      clip = Math.min(clip, guard.clipLimit());
    }
    out.set(t, lr, clip, wd, action);
    lrLoop.writeMultipliers(out);
    PiController l = lrLoop.controller();
    out.lrMeasurement = lrLoop.filtered();
    out.lrError = l.error();
    out.lrIntegral = l.integral();
    PiController c = clipLoop.controller();
    out.clipMeasurement = c.filtered();
    out.clipError = c.error();
    out.clipIntegral = c.integral();
    PiController w = wdLoop.controller();
    out.wdMeasurement = w.filtered();
    out.wdError = w.error();
    out.wdIntegral = w.integral();
    out.faults = l.faults() + c.faults() + w.faults();
    if (guard != null) {
      out.lossZ = guard.lossZ();
      out.gradZ = guard.gradZ();
    }
  }

  /** Stationarity decays of the LR so far. */
  long lrDecays() {
    return lrLoop.decays();
  }

  /** Safety and guard LR cuts so far. */
  long lrCuts() {
    return lrLoop.cuts();
  }

  @Override
  public PolicyState snapshot() {
    PolicyState.Writer w = PolicyState.writer(spec.name());
    lrLoop.writeState(w);
    clipLoop.writeState(w);
    wdLoop.writeState(w);
    w.putBoolean(guard != null);
    if (guard != null) {
      guard.writeState(w);
    }
    return w.build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = state.reader(spec.name());
    lrLoop.readState(r);
    clipLoop.readState(r);
    wdLoop.readState(r);
    boolean g = r.getBoolean();
    if (g != (guard != null)) {
      throw new IllegalArgumentException(
          "pi state was written with guard="
              + g
              + ", but this policy has guard="
              + (guard != null));
    }
    if (guard != null) {
      guard.readState(r);
    }
    r.end();
  }

  @Override
  public Policy copy() {
    return of(spec, supplied);
  }

  @Override
  public PolicySpec spec() {
    return spec;
  }
}

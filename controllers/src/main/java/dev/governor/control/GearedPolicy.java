package dev.governor.control;

/**
 * A policy with the safety gear ({@link Gear}) around it: the spike guard, the safety cut and a
 * clip rule, applied to the inner policy's decisions exactly as {@code pi} applies them to its own
 * loops ({@link PiPolicy}). Built by {@link Policies#create} when a spec of any policy other than
 * {@code pi} turns a piece of gear on.
 *
 * <p>After each step {@code t}, in this order:
 *
 * <ol>
 *   <li>the inner policy decides ({@code lr_inner(t+1)}, its weight decay, its own action);
 *   <li>the guard checks the step's loss and gradient norm ({@code pi}'s {@link SpikeGuard});
 *   <li>on SKIP or ROLLBACK the step's measurements are not trusted: the safety cut's references
 *       and the clip rule's statistics are held (as {@code pi} holds its loops); on ROLLBACK the LR
 *       is cut by {@code guard-cut};
 *   <li>otherwise the safety cut checks for an explosion ({@link ExplosionDetector}) and the clip
 *       rule folds in the gradient norm;
 *   <li>on any guard action above NONE the clip threshold is tightened to {@link
 *       SpikeGuard#clipLimit()}, as in {@code pi}.
 * </ol>
 *
 * <p><b>LR trim.</b> A cut lowers a trim {@code m ∈ [1e-4, 1]} that multiplies the inner policy's
 * LR: {@code η_{t+1} = m·lr_inner(t+1)}. By default it never rises again. With {@code trim-recover
 * = n > 0} it recovers as mixed-precision loss scaling does: after n calm steps in a row (no guard
 * action, no safety cut) it doubles, up to 1, and the count starts again; a cut or guard action
 * resets the count. Without recovery a lasting change of the loss level (a data-distribution shift)
 * leaves the run at the trim the cuts reached; with it, a run whose cuts were right (an LR too
 * high) probes upwards again and is cut again. {@code pi}'s own loop climbs back after its cuts
 * only as far as its process variable asks. Like {@code pi}'s cut it targets the LR level: with
 * {@code η_t} the LR applied at step {@code t}, a safety cut sets {@code m ← min(m, min(η_t·cut,
 * 1/ŝ)/lr_inner(t+1))} and a rollback {@code m ← min(m, η_t·guard-cut/lr_inner(t+1))}. For a
 * constant inner LR this is {@code m ← min(m·cut, (1/ŝ)/lr_inner)}; with a schedule it is the same
 * next-step LR {@code pi} with that schedule as its base would choose. The floor {@code 1e-4} is
 * {@code pi}'s default LR floor factor.
 *
 * <p><b>Restart.</b> Before the guard, the {@link StartRestart} of {@code pi}'s SGD form ({@code
 * restart}): within 10 steps of the start, a loss above {@code restart} × the first one decides
 * RESET and lowers the trim to the safety cut's target; the step's measurements are not used
 * otherwise.
 *
 * <p><b>Action.</b> The decision's action is the stronger of the inner policy's (e.g. {@code
 * lrfind}'s rollback after a blown-up sweep) and the guard's.
 *
 * <p>NaN/Inf: the guard rolls back on a NaN/Inf loss or an infinite gradient norm; the detector and
 * the clip rule treat NaN as "not measured" (no update); nothing NaN reaches a decision. The LR is
 * {@code m·lr_inner}, so it stays within the inner policy's bounds. {@code decide} allocates
 * nothing (AutoClip's history excepted, which grows by doubling).
 */
final class GearedPolicy implements Policy {

  /**
   * An inner policy that deliberately explores (the LR range test's sweep drives the loss up on
   * purpose): while {@link #exploring()} is true, the gear passes its decisions through and reads
   * nothing from the observation — no guard action, no safety cut, no clip-rule update — so the
   * sweep is not mistaken for a divergence and does not bias the references.
   */
  interface Exploring {
    /** Whether the next observation comes from an exploratory step. */
    boolean exploring();
  }

  private final PolicySpec spec;
  private final Gear gear;
  private final Policy inner;
  private final SpikeGuard guard;
  private final ExplosionDetector detector;
  private final ClipRule clipRule;
  private final StartRestart restart;
  private final String stateName;
  private final Hyperparameters initial;

  private double trim = 1;
  private double innerLr;
  private long cuts;

  /** Calm steps in a row since the last cut, guard action or trim recovery. */
  private long calm;

  GearedPolicy(PolicySpec spec, Gear gear, Policy inner) {
    this.spec = spec;
    this.gear = gear;
    this.inner = inner;
    this.guard = gear.guardOn() ? SpikeGuard.of(gear.guard()) : null;
    this.detector = gear.cutOn() ? new ExplosionDetector(gear.cutGrowth(), gear.cutAlpha()) : null;
    this.clipRule = gear.clipRule();
    this.restart = new StartRestart(gear.restart(), gear.restartMove());
    this.stateName = spec.name() + "+gear";
    Hyperparameters h = inner.initial();
    this.innerLr = h.lr();
    this.initial = h.withClip(clipRule.threshold());
  }

  /** The gear configuration. */
  Gear gear() {
    return gear;
  }

  /** Safety and guard LR cuts so far. */
  long lrCuts() {
    return cuts;
  }

  /** The current LR trim {@code m}. */
  double trim() {
    return trim;
  }

  @Override
  public Hyperparameters initial() {
    return initial;
  }

  @Override
  public void decide(Observation obs, Decision out) {
    boolean exploring = inner instanceof Exploring e && e.exploring();
    inner.decide(obs, out);
    double next = out.lr;
    if (exploring) {
      innerLr = next;
      out.lr = Math.max(Double.MIN_NORMAL, trim * next);
      out.clip = clipRule.threshold();
      return;
    }
    double applied = trim * innerLr;
    if (restart.check(obs.loss(), obs.paramNorm(), obs.updateNorm())) {
      lower(ExplosionDetector.target(applied, gear.cut(), obs.sharpness()), next);
      calm = 0;
      innerLr = next;
      out.lr = Math.max(Double.MIN_NORMAL, trim * next);
      out.clip = clipRule.threshold();
      out.action = GuardAction.RESET;
      return;
    }
    GuardAction action = guard == null ? GuardAction.NONE : guard.check(obs.loss(), obs.gradNorm());
    boolean calmStep = action == GuardAction.NONE;
    if (action == GuardAction.ROLLBACK) {
      lower(applied * gear.guard().lrCut(), next);
    } else if (action != GuardAction.SKIP) {
      if (detector != null && detector.check(obs.gradNorm(), obs.loss())) {
        lower(ExplosionDetector.target(applied, gear.cut(), obs.sharpness()), next);
        calmStep = false;
      }
      clipRule.observe(obs.gradNorm());
    }
    if (!calmStep) {
      calm = 0;
    } else if (trim < 1 && gear.trimRecover() > 0 && ++calm >= gear.trimRecover()) {
      trim = Math.min(1, 2 * trim);
      calm = 0;
    }
    double clip = clipRule.threshold();
    if (action != GuardAction.NONE) {
      clip = Math.min(clip, guard.clipLimit());
    }
    innerLr = next;
    out.lr = Math.max(Double.MIN_NORMAL, trim * next);
    out.clip = clip;
    if (action.ordinal() > out.action.ordinal()) {
      out.action = action;
    }
    if (guard != null) {
      out.lossZ = guard.lossZ();
      out.gradZ = guard.gradZ();
    }
  }

  /** Lowers the trim so the next LR is at most {@code target} (never raises it). */
  private void lower(double target, double next) {
    double m = Math.max(Gear.TRIM_FLOOR, target / next);
    if (m < trim) {
      trim = m;
    }
    cuts++;
  }

  @Override
  public PolicyState snapshot() {
    PolicyState.Writer w = PolicyState.writer(stateName);
    w.putState(inner.snapshot());
    w.putDouble(trim).putDouble(innerLr).putLong(cuts).putLong(calm);
    w.putBoolean(guard != null);
    if (guard != null) {
      guard.writeState(w);
    }
    w.putBoolean(detector != null);
    if (detector != null) {
      detector.writeState(w);
    }
    clipRule.writeState(w);
    restart.writeState(w);
    return w.build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = state.reader(stateName);
    PolicyState in = r.getState();
    double m = r.getDouble();
    double il = r.getDouble();
    long c = r.getLong();
    long k = r.getLong();
    if (k < 0) {
      throw new IllegalArgumentException(
          stateName + " state calm steps must be >= 0, but was " + k);
    }
    if (!(m >= Gear.TRIM_FLOOR && m <= 1)) {
      throw new IllegalArgumentException(
          stateName + " state trim must be in [" + Gear.TRIM_FLOOR + ", 1], but was " + m);
    }
    if (!(il > 0) || !Double.isFinite(il)) {
      throw new IllegalArgumentException(
          stateName + " state inner lr must be finite and > 0, but was " + il);
    }
    boolean g = r.getBoolean();
    if (g != (guard != null)) {
      throw new IllegalArgumentException(
          stateName + " state was written with guard=" + g + ", but this policy has " + !g);
    }
    if (guard != null) {
      guard.readState(r);
    }
    boolean cut = r.getBoolean();
    if (cut != (detector != null)) {
      throw new IllegalArgumentException(
          stateName
              + " state was written with safety-cut="
              + cut
              + ", but this policy has "
              + !cut);
    }
    if (detector != null) {
      detector.readState(r);
    }
    clipRule.readState(r);
    restart.readState(r);
    r.end();
    inner.restore(in);
    trim = m;
    innerLr = il;
    cuts = c;
    calm = k;
  }

  @Override
  public Policy copy() {
    return Policies.create(spec);
  }

  @Override
  public PolicySpec spec() {
    return spec;
  }
}

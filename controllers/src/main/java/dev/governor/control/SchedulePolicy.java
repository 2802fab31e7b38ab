package dev.governor.control;

import java.util.Map;
import java.util.Set;

/**
 * An open-loop policy: a {@link Schedule} for the learning rate plus a fixed clip threshold and
 * weight decay. Ignores every measurement (NaN/Inf observations change nothing); uses only {@code
 * obs.step()}: the decision after step {@code t} is {@code lr(t + 1)}. A schedule value below
 * {@link Double#MIN_NORMAL} (0 at the end of a cosine with {@code lr-min = 0}, or an underflowed
 * exponential) is raised to {@link Double#MIN_NORMAL} so the decision stays valid. Stateless: its
 * snapshot is empty.
 *
 * <p>Options (all policies {@code constant step exponential cosine sgdr onecycle warmup}): {@code
 * clip} (default inf = off), {@code wd} (default 0), {@code warmup} (linear warm-up steps, default
 * 0, see {@link Schedules#warmup}), plus each schedule's own, listed in {@link #KEYS}, plus the
 * {@link Gear} options; with a piece of gear on, {@link Policies#create} wraps the schedule in a
 * {@link GearedPolicy} (which is then no longer open-loop).
 */
final class SchedulePolicy extends SpecifiedPolicy {

  /** Options of each schedule (besides clip, wd, warmup). */
  static final Map<String, Set<String>> KEYS =
      Map.of(
          "constant", Set.of("lr"),
          "step", Set.of("lr", "step-size", "gamma"),
          "exponential", Set.of("lr", "gamma"),
          "cosine", Set.of("lr", "lr-min", "t-max"),
          "sgdr", Set.of("lr", "lr-min", "t0", "t-mult"),
          "onecycle", Set.of("lr", "t-max", "pct-start", "div-factor", "final-div-factor"));

  /** Default initial learning rate of every schedule. */
  static final double DEFAULT_LR = 0.1;

  private final Schedule schedule;
  private final double clip;
  private final double wd;
  private final Hyperparameters initial;

  private SchedulePolicy(PolicySpec spec, Schedule schedule, double clip, double wd) {
    super(spec, SchedulePolicy::of);
    this.schedule = schedule;
    this.clip = clip;
    this.wd = wd;
    this.initial = Hyperparameters.of(lrAt(0), clip, wd);
  }

  /**
   * Builds a schedule policy. For {@code warmup} the wrapped schedule is named by the option {@code
   * schedule} (default {@code constant}) and reads its options from the same spec.
   */
  static SchedulePolicy of(PolicySpec spec) {
    String kind = spec.name();
    if (kind.equals("warmup")) {
      kind = spec.getString("schedule", "constant");
      if (!KEYS.containsKey(kind)) {
        throw new IllegalArgumentException(
            "warmup.schedule must be one of " + KEYS.keySet() + ", but was '" + kind + "'");
      }
      Options.allow(
          spec,
          Options.keys(KEYS.get(kind), Options.FIXED, Set.of("warmup", "schedule"), Gear.KEYS));
    } else {
      Options.allow(spec, Options.keys(KEYS.get(kind), Options.FIXED, Set.of("warmup"), Gear.KEYS));
    }
    Schedule s = schedule(spec, kind);
    double clip = Gear.fixedClip(spec);
    double wd = Options.nonNegative(spec, "wd", 0.0);
    return new SchedulePolicy(spec, s, clip, wd);
  }

  /**
   * The schedule {@code kind} with its options (and {@code warmup}) read from {@code spec}; other
   * keys are not checked here.
   */
  static Schedule schedule(PolicySpec spec, String kind) {
    double lr = spec.getDouble("lr", DEFAULT_LR);
    Schedule s =
        switch (kind) {
          case "constant" -> Schedules.constant(lr);
          case "step" ->
              Schedules.step(lr, spec.getLong("step-size", 1000), spec.getDouble("gamma", 0.1));
          case "exponential" -> Schedules.exponential(lr, spec.getDouble("gamma", 0.999));
          case "cosine" ->
              Schedules.cosine(lr, spec.getDouble("lr-min", 0.0), spec.getLong("t-max", 1000));
          case "sgdr" ->
              Schedules.sgdr(
                  lr,
                  spec.getDouble("lr-min", 0.0),
                  spec.getLong("t0", 100),
                  spec.getLong("t-mult", 1));
          case "onecycle" ->
              Schedules.oneCycle(
                  lr,
                  spec.getLong("t-max", 1000),
                  spec.getDouble("pct-start", 0.3),
                  spec.getDouble("div-factor", 25.0),
                  spec.getDouble("final-div-factor", 1e4));
          default ->
              throw new IllegalArgumentException(
                  "schedule must be one of " + KEYS.keySet() + ", but was '" + kind + "'");
        };
    return Schedules.warmup(Options.atLeast(spec, "warmup", 0, 0), s);
  }

  /** The schedule's value at {@code step}, raised to {@link Double#MIN_NORMAL} if lower. */
  double lrAt(long step) {
    return Math.max(Double.MIN_NORMAL, schedule.lr(step));
  }

  @Override
  public Hyperparameters initial() {
    return initial;
  }

  @Override
  public void decide(Observation obs, Decision out) {
    out.set(obs.step(), lrAt(obs.step() + 1), clip, wd, GuardAction.NONE);
  }

  @Override
  public boolean openLoop() {
    return true;
  }

  @Override
  public PolicyState snapshot() {
    return stateWriter().build();
  }

  @Override
  public void restore(PolicyState state) {
    stateReader(state).end();
  }
}

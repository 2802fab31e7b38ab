package dev.governor.control;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Creates policies from their {@link PolicySpec}: the one place a policy name becomes an object. A
 * static factory with a fixed list of names; there is no mutable registry.
 *
 * <p>Names: the open-loop schedules {@code constant step exponential cosine sgdr onecycle warmup}
 * (see {@link Schedules}; options {@code lr lr-min t0 t-mult t-max step-size gamma pct-start
 * div-factor final-div-factor warmup clip wd}), the loss-reading baseline {@code plateau} (PyTorch
 * {@code ReduceLROnPlateau}), the oracle {@code polyak} (Polyak step size, needs the optimal loss),
 * {@code lrfind} (LR range test, then cosine from the suggested LR), and the feedback policy {@code
 * pi}. An unknown option is an error that lists the policy's options.
 *
 * <p>Every policy except {@code pi} also takes the safety-gear options ({@link Gear}: {@code gear
 * guard safety-cut cut cut-growth cut-alpha guard-…} and {@code clip=zclip|autoclip}); when one of
 * them turns a piece of gear on, the policy is wrapped in a {@link GearedPolicy}. {@code pi} has
 * the same gear built in, under the same keys.
 */
public final class Policies {
  private Policies() {}

  private static final List<String> NAMES =
      List.of(
          "pi",
          "constant",
          "step",
          "exponential",
          "cosine",
          "sgdr",
          "warmup",
          "onecycle",
          "plateau",
          "polyak",
          "lrfind");

  private static final List<String> OPEN_LOOP =
      List.of("constant", "step", "exponential", "cosine", "sgdr", "warmup", "onecycle");

  /** The names {@link #create(PolicySpec)} accepts. */
  public static List<String> names() {
    return NAMES;
  }

  /** The names of the open-loop policies (schedules that use only the step index). */
  public static List<String> openLoopNames() {
    return OPEN_LOOP;
  }

  /**
   * The option names the policy {@code name} accepts (for configuration files and help), sorted.
   * For {@code warmup} these are its own options plus those of every schedule it can wrap; for
   * {@code pi} its own plus those of its base schedules.
   *
   * @throws IllegalArgumentException naming the policy when it is not one of {@link #names()}
   */
  public static SortedSet<String> options(String name) {
    Set<String> keys =
        switch (name) {
          case "constant", "step", "exponential", "cosine", "sgdr", "onecycle" ->
              Options.keys(
                  SchedulePolicy.KEYS.get(name), Options.FIXED, Set.of("warmup"), Gear.KEYS);
          case "warmup" -> {
            TreeSet<String> all = new TreeSet<>();
            SchedulePolicy.KEYS.values().forEach(all::addAll);
            yield Options.keys(all, Options.FIXED, Set.of("warmup", "schedule"), Gear.KEYS);
          }
          case "plateau" -> Options.keys(PlateauPolicy.KEYS, Gear.KEYS);
          case "polyak" -> Options.keys(PolyakPolicy.KEYS, Gear.KEYS);
          case "lrfind" -> Options.keys(LrFindPolicy.KEYS, Gear.KEYS);
          case "pi" -> PiSpecOptions.KEYS;
          default ->
              throw new IllegalArgumentException(
                  "policy must be one of " + names() + ", but was '" + name + "'");
        };
    return Collections.unmodifiableSortedSet(new TreeSet<>(keys));
  }

  /**
   * Builds the policy a spec describes, with fresh state.
   *
   * @throws IllegalArgumentException naming the policy or the first invalid option and its value
   */
  public static Policy create(PolicySpec spec) {
    return create(spec, null);
  }

  /**
   * Builds the policy a spec describes with a base schedule supplied by the plant: for {@code
   * pi(base=network)} the LR loop trims {@code networkBase} (the learning-rate schedule of the
   * network it governs, which must keep the {@link Schedule} contract: finite values {@code >= 0};
   * a value below {@link Double#MIN_NORMAL} is raised to it) instead of the constant stand-in,
   * whose value {@code lr} should then be the schedule's value at step 0. Any other spec ignores
   * it.
   *
   * @param networkBase the plant's schedule, or null
   * @throws IllegalArgumentException naming the policy or the first invalid option and its value
   */
  public static Policy create(PolicySpec spec, Schedule networkBase) {
    if (spec.has("lr")) {
      double lr = spec.getDouble("lr", Double.NaN);
      if (lr > MAX_LR) {
        throw new IllegalArgumentException(
            spec.name() + ".lr must be <= " + MAX_LR + ", but was " + lr);
      }
    }
    Policy p =
        switch (spec.name()) {
          case "constant", "step", "exponential", "cosine", "sgdr", "warmup", "onecycle" ->
              SchedulePolicy.of(spec);
          case "plateau" -> PlateauPolicy.of(spec);
          case "polyak" -> PolyakPolicy.of(spec);
          case "lrfind" -> LrFindPolicy.of(spec);
          case "pi" -> PiPolicy.of(spec, networkBase);
          default ->
              throw new IllegalArgumentException(
                  "policy must be one of " + names() + ", but was '" + spec.name() + "'");
        };
    if (p instanceof PiPolicy) {
      return p;
    }
    Gear gear = Gear.of(spec);
    return gear.inactive() ? p : new GearedPolicy(spec, gear, p);
  }

  /**
   * The largest initial LR a policy accepts: far above any usable step (Adam's LR is a step length
   * in parameter units; SGD's times a curvature must stay below 2), low enough that a first update
   * cannot overflow a double.
   */
  public static final double MAX_LR = 1e6;

  /** Parses and builds, e.g. {@code create("cosine(lr=0.1, t-max=1000)")}. */
  public static Policy create(String spec) {
    return create(PolicySpec.parse(spec));
  }
}

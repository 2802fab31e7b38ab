package dev.governor.cli;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import java.util.List;
import java.util.Map;

/**
 * The contenders of {@code governor bakeoff}, as spec templates in one table. Each has a spec with
 * the safety gear on and one with it off; placeholders are filled per workload and run: {@code
 * {lr}} the initial LR, {@code {T}} the step budget, {@code {tmax}} a tuned cosine horizon, {@code
 * {t0}} SGDR's first cycle ({@code T/7}: three cycles T₀ + 2T₀ + 4T₀ end with the budget), {@code
 * {sweep}} the range test's sweep ({@code max(20, T/10)} steps, inside the budget), {@code {clip}}
 * the workload's standard clip.
 *
 * <p>The gear: on = the spike guard (skip / rollback), the safety cut and the standard global-norm
 * clip for every baseline ({@code gear=standard, clip=…}); {@code pi} has its own guard and safety
 * cut with the same defaults and sets its clip threshold with its clip loop. The start restart is
 * off for every contender ({@code restart=0}), as in {@code pi}'s Adam form. Off = none of them (no
 * guard, no cut, no clipping; for {@code pi} also its clip loop off and a cut that never fires). A
 * template whose spec does not parse in this build, or whose optimizer is not built in, is skipped
 * with the reason logged and written into summary.json — never silently.
 */
final class BakeoffContenders {
  private BakeoffContenders() {}

  /** How a contender's learning rate is chosen. */
  enum Lr {
    /** run at each initial LR of the grid ×{0.1, 1, 10} around the workload's default */
    GRID,
    /** tuned over LR (and t-max where the template has it) on training seeds */
    TUNED,
    /** the method's own default; no LR to choose */
    OWN
  }

  /**
   * A contender.
   *
   * @param label short name in tables
   * @param optimizer the DL4J optimizer ({@code adam} = the models' own)
   * @param lr how its LR is chosen
   * @param gearOn spec template with the gear on
   * @param gearOff spec template with the gear off
   * @param centreLr the centre of the initial-LR grid ({@link Lr#GRID}); NaN = the workload's
   *     default LR (the models' own Adam)
   */
  record Contender(
      String label, String optimizer, Lr lr, String gearOn, String gearOff, double centreLr) {
    Contender(String label, String optimizer, Lr lr, String gearOn, String gearOff) {
      this(label, optimizer, lr, gearOn, gearOff, Double.NaN);
    }

    /** The centre of the initial-LR grid on workload default {@code workloadLr}. */
    double centre(double workloadLr) {
      return Double.isNaN(centreLr) ? workloadLr : centreLr;
    }
  }

  /** Schedule-Free AdamW's published default LR (Defazio et al. 2024, the reference code). */
  static final double SF_ADAMW_LR = 0.0025;

  static final String PI_OFF = ", guard=off, clip-loop=off, clip=inf, cut-growth=1e308";

  /** Every contender, in table order. */
  static final List<Contender> ALL =
      List.of(
          new Contender(
              "pi",
              "adam",
              Lr.GRID,
              "pi(optimizer=adaptive, lr={lr}, t-max={T})",
              "pi(optimizer=adaptive, lr={lr}, t-max={T}" + PI_OFF + ")"),
          new Contender(
              "cosine",
              "adam",
              Lr.TUNED,
              "cosine(lr={lr}, t-max={tmax}, gear=standard, restart=0, clip={clip})",
              "cosine(lr={lr}, t-max={tmax})"),
          new Contender(
              "constant",
              "adam",
              Lr.TUNED,
              "constant(lr={lr}, gear=standard, restart=0, clip={clip})",
              "constant(lr={lr})"),
          new Contender(
              "sgdr",
              "adam",
              Lr.GRID,
              "sgdr(lr={lr}, t0={t0}, t-mult=2, gear=standard, restart=0, clip={clip})",
              "sgdr(lr={lr}, t0={t0}, t-mult=2)"),
          new Contender(
              "lrfind+cos",
              "adam",
              Lr.OWN,
              "lrfind(sweep-steps={sweep}, t-max={T}, gear=standard, restart=0, clip={clip})",
              "lrfind(sweep-steps={sweep}, t-max={T})"),
          new Contender(
              "sf-adamw",
              "sf-adamw",
              Lr.OWN,
              "constant(lr=" + SF_ADAMW_LR + ", gear=standard, restart=0, clip={clip})",
              "constant(lr=" + SF_ADAMW_LR + ")"),
          new Contender(
              "pi+sf",
              "sf-adamw",
              Lr.GRID,
              "pi(optimizer=adaptive, base=constant, lr={lr}, t-max={T})",
              "pi(optimizer=adaptive, base=constant, lr={lr}, t-max={T}" + PI_OFF + ")",
              SF_ADAMW_LR),
          new Contender(
              "prodigy",
              "prodigy",
              Lr.OWN,
              "constant(lr=1, gear=standard, restart=0, clip={clip})",
              "constant(lr=1)"),
          new Contender(
              "dog",
              "dog",
              Lr.OWN,
              "constant(lr=1, gear=standard, restart=0, clip={clip})",
              "constant(lr=1)"));

  /** The contender labelled {@code label}. */
  static Contender get(String label) {
    for (Contender c : ALL) {
      if (c.label().equals(label)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "contender must be one of " + labels() + ", but was '" + label + "'");
  }

  static List<String> labels() {
    return ALL.stream().map(Contender::label).toList();
  }

  /** Fills the placeholders of {@code template} (every placeholder must be given). */
  static String fill(String template, Map<String, Object> values) {
    String s = template;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      String text = v instanceof Double d ? Double.toString(d) : String.valueOf(v);
      s = s.replace("{" + e.getKey() + "}", text);
    }
    if (s.contains("{")) {
      throw new IllegalArgumentException("spec template has an unfilled placeholder: " + s);
    }
    return s;
  }

  /**
   * The parsed spec, or the reason it cannot run in this build (an unknown policy or option).
   * Exactly one of the two is non-null.
   */
  record Parsed(PolicySpec spec, String unavailable) {}

  static Parsed parse(String spec) {
    try {
      PolicySpec s = PolicySpec.parse(spec);
      Policies.create(s);
      return new Parsed(s, null);
    } catch (IllegalArgumentException e) {
      return new Parsed(null, "policy not available in this build: " + e.getMessage());
    }
  }
}

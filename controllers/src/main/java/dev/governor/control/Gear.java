package dev.governor.control;

import java.util.Locale;
import java.util.Set;

/**
 * The safety gear every policy other than {@code pi} can carry (applied by {@link GearedPolicy}):
 * the spike guard, the safety cut and a clip rule — the same gear {@code pi} has, with the same
 * option names and defaults, so a bake-off can give every contender identical protection.
 *
 * <p>Options (all policies except {@code pi}):
 *
 * <ul>
 *   <li>{@code gear} — {@code off} (default: no guard, no cut) or {@code standard} (guard on and
 *       safety cut on, with {@code pi}'s defaults). It only sets the defaults of {@code guard} and
 *       {@code safety-cut}; either can still be given explicitly. It does not touch {@code clip}.
 *   <li>{@code guard} — {@code on}/{@code off}: the {@link SpikeGuard}; with {@code guard-window
 *       guard-min guard-z-clip guard-z-skip guard-z-rollback guard-cut}, defaults {@link
 *       GuardConfig#defaults()} (the same keys and defaults as {@code pi}).
 *   <li>{@code safety-cut} — {@code on}/{@code off}: the {@link ExplosionDetector} of {@code pi}'s
 *       LR loop; with {@code cut} (0.5), {@code cut-growth} (10) and {@code cut-alpha} (0.01, the
 *       EMA weight of the reference levels), defaults from {@link PiPolicyConfig#defaults()}.
 *   <li>{@code clip} — a number {@code > 0} (fixed threshold), {@code inf} (default, no clipping),
 *       {@code zclip} ({@link ClipRule.ZClip}: {@code zclip-alpha} 0.97, {@code zclip-z} 2.5,
 *       {@code zclip-warmup} 25) or {@code autoclip} ({@link ClipRule.AutoClip}: {@code autoclip-p}
 *       10).
 *   <li>{@code trim-recover} — calm steps after which a lowered LR trim doubles back towards 1
 *       ({@code 0}, the default: the trim never rises again). A step is calm when the guard takes
 *       no action and the safety cut does not fire. Recovery lets a run come back from cuts that a
 *       lasting change of the loss level set off (a data-distribution shift), and costs re-probing
 *       spikes after cuts that a too-high LR set off (see {@link GearedPolicy}).
 *   <li>{@code restart} — 0 (off) or a loss factor {@code > 1}: the {@link StartRestart} of {@code
 *       pi}'s SGD form; default by {@code gear}: 0, or {@code pi}'s 2 with {@code gear=standard}.
 *   <li>{@code restart-move} — the restart's longest step relative to ‖θ‖ ({@code pi}'s 0.1; 0 =
 *       the restart judges the loss alone); it acts only where {@code restart} is on.
 * </ul>
 *
 * <p>Mapping to {@code pi}: {@code pi} has its guard on by default ({@code guard=true}) and its
 * safety cut always on; a policy with {@code gear=standard} has both, configured by the same keys
 * with the same defaults, so {@code pi} and e.g. {@code cosine(gear=standard)} get identical guard
 * actions and cuts on the same measurements. {@code pi}'s clip is its own clip loop ({@code
 * clip-loop}); the adaptive clip rules are for the other policies.
 *
 * @param guardOn whether the spike guard runs
 * @param guard the guard's configuration
 * @param cutOn whether the safety cut runs
 * @param cut LR factor of a safety cut, in (0, 1)
 * @param cutGrowth explosion factor above the running level, {@code > 1}
 * @param cutAlpha EMA weight of the running levels, in (0, 1]
 * @param clip the clip rule's name: {@code fixed}, {@code zclip} or {@code autoclip}
 * @param fixedClip the fixed threshold ({@code clip=fixed}), {@code > 0}, +Inf = none
 * @param zclipAlpha ZClip's EMA weight of the old statistics, in (0, 1)
 * @param zclipZ ZClip's z-score threshold, finite {@code > 0}
 * @param zclipWarmup ZClip's warm-up norms, {@code >= 1}
 * @param autoclipP AutoClip's percentile, in [0, 100]
 * @param trimRecover calm steps before the trim doubles, {@code >= 0} (0 = never)
 * @param restart the start restart's loss factor, {@code > 1}, or 0 (off)
 * @param restartMove the start restart's longest step relative to ‖θ‖, {@code > 0}, or 0 (off)
 */
record Gear(
    boolean guardOn,
    GuardConfig guard,
    boolean cutOn,
    double cut,
    double cutGrowth,
    double cutAlpha,
    String clip,
    double fixedClip,
    double zclipAlpha,
    double zclipZ,
    int zclipWarmup,
    double autoclipP,
    long trimRecover,
    double restart,
    double restartMove) {

  /** Every gear option. */
  static final Set<String> KEYS =
      Options.keys(
          PiSpecOptions.GUARD_KEYS,
          Set.of(
              "gear",
              "safety-cut",
              "cut",
              "cut-growth",
              "cut-alpha",
              "clip",
              "zclip-alpha",
              "zclip-z",
              "zclip-warmup",
              "autoclip-p",
              "trim-recover",
              "restart",
              "restart-move"));

  /** ZClip defaults of the reference code: α 0.97, z 2.5, 25 warm-up steps. */
  static final double ZCLIP_ALPHA = 0.97;

  static final double ZCLIP_Z = 2.5;
  static final int ZCLIP_WARMUP = 25;

  /** AutoClip's default percentile (the paper's p = 10). */
  static final double AUTOCLIP_P = 10;

  /**
   * The lowest persistent LR trim of the gear, the same factor as {@code pi}'s default LR floor
   * ({@code lr × 1e-4}).
   */
  static final double TRIM_FLOOR = PiPolicyConfig.defaults().lr().floorFactor();

  /**
   * Reads the gear options of {@code spec} (other keys are ignored).
   *
   * @throws IllegalArgumentException naming {@code policy.key} and the value when one is invalid
   */
  static Gear of(PolicySpec spec) {
    boolean standard = Options.oneOf(spec, "gear", "off", "standard", "off").equals("standard");
    PiPolicyConfig.LrLoop d = PiPolicyConfig.defaults().lr();
    String clip = clipKind(spec);
    return new Gear(
        spec.getBoolean("guard", standard),
        PiSpecOptions.guardConfig(spec),
        spec.getBoolean("safety-cut", standard),
        Options.open(spec, "cut", d.cut(), 0, 1),
        Options.greaterThanOne(spec, "cut-growth", d.cutGrowth()),
        Options.closed(spec, "cut-alpha", d.refAlpha(), Double.MIN_VALUE, 1),
        clip,
        clip.equals("fixed") ? Options.clip(spec, "clip", Hyperparameters.NO_CLIP) : Double.NaN,
        Options.open(spec, "zclip-alpha", ZCLIP_ALPHA, 0, 1),
        Options.positive(spec, "zclip-z", ZCLIP_Z),
        (int) Options.atLeast(spec, "zclip-warmup", ZCLIP_WARMUP, 1),
        Options.closed(spec, "autoclip-p", AUTOCLIP_P, 0, 100),
        Options.atLeast(spec, "trim-recover", 0, 0),
        PiSpecOptions.restartOption(spec, standard ? d.restart() : 0),
        PiSpecOptions.restartMoveOption(spec, d.restartMove()));
  }

  /**
   * {@code zclip}, {@code autoclip}, or {@code fixed} for a number / {@code inf}.
   *
   * @throws IllegalArgumentException naming {@code policy.clip} when it is none of these
   */
  static String clipKind(PolicySpec spec) {
    String v = spec.getString("clip", "inf").trim().toLowerCase(Locale.ROOT);
    if (v.equals("zclip") || v.equals("autoclip")) {
      return v;
    }
    try {
      spec.getDouble("clip", Hyperparameters.NO_CLIP);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          Options.name(spec, "clip")
              + " must be a number > 0, inf, zclip or autoclip, but was '"
              + spec.getString("clip", "")
              + "'",
          e);
    }
    return "fixed";
  }

  /**
   * The fixed clip threshold of a policy's own {@code clip} option: the number, or +Inf when the
   * gear's adaptive rule decides the threshold.
   */
  static double fixedClip(PolicySpec spec) {
    return clipKind(spec).equals("fixed")
        ? Options.clip(spec, "clip", Hyperparameters.NO_CLIP)
        : Hyperparameters.NO_CLIP;
  }

  /**
   * Whether the gear changes nothing: no guard, no cut, no restart, a fixed clip (the policy's
   * own).
   */
  boolean inactive() {
    return !guardOn && !cutOn && restart == 0 && clip.equals("fixed");
  }

  /** A fresh clip rule. */
  ClipRule clipRule() {
    return switch (clip) {
      case "zclip" -> new ClipRule.ZClip(zclipAlpha, zclipZ, zclipWarmup);
      case "autoclip" -> new ClipRule.AutoClip(autoclipP);
      default -> new ClipRule.Fixed(fixedClip);
    };
  }
}

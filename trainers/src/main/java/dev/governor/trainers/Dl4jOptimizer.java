package dev.governor.trainers;

import dev.governor.control.PolicySpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Which optimizer a DL4J training run uses, with its options: the network's own updater ({@code
 * adam}, the default) or one of the learning-rate-free methods, computed by the governed step on
 * the flat, clipped mean gradient.
 *
 * <p>Text form (the syntax of {@link PolicySpec}): {@code name} or {@code name(key=value, ...)};
 * {@link #parse} and {@link #toString} are inverse. The names and their options, with the
 * references' defaults:
 *
 * <ul>
 *   <li>{@code adam} — the network's configured updater (Adam in the built-in models), run at its
 *       decided rate (DL4J's own updater, its learning rate set by the policy); the policy's lr is
 *       Adam's step size (default 1e-3). No options.
 *   <li>{@code sf-adamw} — Schedule-Free AdamW (Defazio et al. 2024; facebookresearch/schedule_free
 *       {@code AdamWScheduleFree}): {@code beta1=0.9, beta2=0.999, eps=1e-8, warmup=0} (steps of
 *       linear warm-up), {@code r=0}, {@code weight-lr-power=2}. The policy's lr is γ (default
 *       0.0025), its weight decay is applied at y. Training runs at y, evaluation at x (see {@link
 *       Dl4jTrainer#evalMode()}).
 *   <li>{@code prodigy} — Prodigy, Adam form (Mishchenko and Defazio 2024; {@code prodigyopt} 1.x):
 *       {@code beta1=0.9, beta2=0.999, beta3=√beta2, eps=1e-8, d0=1e-6, d-coef=1, growth-rate=inf,
 *       decouple=true, bias-correction=false, safeguard-warmup=false}. The policy's lr multiplies
 *       Prodigy's step (default 1); d is one estimate over all parameters.
 *   <li>{@code dog} — DoG, global form (Ivgi et al. 2023; {@code dog-optimizer} {@code DoG}):
 *       {@code reps-rel=1e-6, eps=1e-8}, optional {@code init-eta} (the first step size, overriding
 *       {@code reps-rel}). The policy's lr is DoG's multiplier c (default 1); its weight decay is
 *       DoG's L2 term added to the gradient.
 * </ul>
 *
 * <p>The learning-rate-free methods need the network's updater to be {@link #networkUpdater()}
 * ({@code Sgd(1.0)}, so DL4J's updater only averages the batch); {@link Models#create(String,
 * LabeledData, long, Dl4jOptimizer)} configures it. Immutable and thread-safe.
 */
public final class Dl4jOptimizer {

  /** The optimizer names {@link #parse} accepts. */
  public static List<String> names() {
    return NAMES;
  }

  private static final List<String> NAMES = List.of("adam", "sf-adamw", "prodigy", "dog");

  private static final Map<String, Set<String>> KEYS =
      Map.of(
          "adam", Set.of(),
          "sf-adamw", Set.of("beta1", "beta2", "eps", "warmup", "r", "weight-lr-power"),
          "prodigy",
              Set.of(
                  "beta1",
                  "beta2",
                  "beta3",
                  "eps",
                  "d0",
                  "d-coef",
                  "growth-rate",
                  "decouple",
                  "bias-correction",
                  "safeguard-warmup"),
          "dog", Set.of("reps-rel", "eps", "init-eta"));

  private static final Dl4jOptimizer ADAM = new Dl4jOptimizer(PolicySpec.of("adam"));

  private final PolicySpec spec;

  // sf-adamw and prodigy
  final double beta1;
  final double beta2;
  final double eps;
  // sf-adamw
  final long warmup;
  final double r;
  final double weightLrPower;
  // prodigy
  final double beta3;
  final double d0;
  final double dCoef;
  final double growthRate;
  final boolean decouple;
  final boolean biasCorrection;
  final boolean safeguardWarmup;
  // dog
  final double repsRel;
  final double initEta;

  private Dl4jOptimizer(PolicySpec spec) {
    this.spec = spec;
    String n = spec.name();
    boolean sf = n.equals("sf-adamw");
    boolean pr = n.equals("prodigy");
    this.beta1 = sf || pr ? inRange(spec, "beta1", 0.9, sf) : Double.NaN;
    this.beta2 = sf || pr ? inRange(spec, "beta2", 0.999, false) : Double.NaN;
    this.eps =
        switch (n) {
          case "sf-adamw", "prodigy", "dog" -> positive(spec, "eps", 1e-8);
          default -> Double.NaN;
        };
    this.warmup = sf ? atLeastZero(spec, "warmup") : 0;
    this.r = sf ? nonNegative(spec, "r", 0) : Double.NaN;
    this.weightLrPower = sf ? nonNegative(spec, "weight-lr-power", 2) : Double.NaN;
    this.beta3 = pr ? inRange(spec, "beta3", Math.sqrt(beta2), false) : Double.NaN;
    this.d0 = pr ? positive(spec, "d0", 1e-6) : Double.NaN;
    this.dCoef = pr ? positive(spec, "d-coef", 1) : Double.NaN;
    double g = pr ? spec.getDouble("growth-rate", Double.POSITIVE_INFINITY) : Double.NaN;
    if (pr && !(g >= 1)) {
      throw new IllegalArgumentException(
          "prodigy.growth-rate must be >= 1 (or inf for no limit), but was " + g);
    }
    this.growthRate = g;
    this.decouple = pr && spec.getBoolean("decouple", true);
    this.biasCorrection = pr && spec.getBoolean("bias-correction", false);
    this.safeguardWarmup = pr && spec.getBoolean("safeguard-warmup", false);
    boolean dog = n.equals("dog");
    this.initEta = dog && spec.has("init-eta") ? positive(spec, "init-eta", 1) : Double.NaN;
    // the reference ignores reps_rel when init_eta is given
    this.repsRel = dog ? positive(spec, "reps-rel", 1e-6) : Double.NaN;
  }

  /** The default: the network's own updater (Adam in the built-in models). */
  public static Dl4jOptimizer adam() {
    return ADAM;
  }

  /**
   * Parses {@code name} or {@code name(key=value, ...)}.
   *
   * @throws IllegalArgumentException with one message naming the text, the unknown name or option
   *     (and the known ones), or the option and its bad value
   */
  public static Dl4jOptimizer parse(String text) {
    PolicySpec s;
    try {
      s = PolicySpec.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "optimizer must be a name or name(key=value, ...) with name one of "
              + NAMES
              + ", but was '"
              + text
              + "'",
          e);
    }
    return of(s);
  }

  /**
   * The optimizer a spec describes.
   *
   * @throws IllegalArgumentException naming the unknown name or option, or the bad value
   */
  public static Dl4jOptimizer of(PolicySpec s) {
    Set<String> known = KEYS.get(s.name());
    if (known == null) {
      throw new IllegalArgumentException(
          "optimizer must be one of " + NAMES + ", but was '" + s.name() + "'");
    }
    for (String k : s.options().keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            "optimizer "
                + s.name()
                + " has no option '"
                + k
                + "'; its options are "
                + (known.isEmpty() ? "none" : new TreeSet<>(known).toString()));
      }
    }
    if (s.name().equals("adam")) {
      return ADAM;
    }
    Dl4jOptimizer parsed = new Dl4jOptimizer(s);
    // canonical text: every number as Double.toString / Long.toString so it round-trips
    TreeMap<String, String> canon = new TreeMap<>();
    for (Map.Entry<String, String> e : s.options().entrySet()) {
      canon.put(e.getKey(), parsed.canonical(e.getKey()));
    }
    return new Dl4jOptimizer(PolicySpec.of(s.name(), canon));
  }

  private String canonical(String key) {
    return switch (key) {
      case "beta1" -> Double.toString(beta1);
      case "beta2" -> Double.toString(beta2);
      case "beta3" -> Double.toString(beta3);
      case "eps" -> Double.toString(eps);
      case "warmup" -> Long.toString(warmup);
      case "r" -> Double.toString(r);
      case "weight-lr-power" -> Double.toString(weightLrPower);
      case "d0" -> Double.toString(d0);
      case "d-coef" -> Double.toString(dCoef);
      case "growth-rate" -> Double.toString(growthRate);
      case "decouple" -> Boolean.toString(decouple);
      case "bias-correction" -> Boolean.toString(biasCorrection);
      case "safeguard-warmup" -> Boolean.toString(safeguardWarmup);
      case "reps-rel" -> Double.toString(repsRel);
      case "init-eta" -> Double.toString(initEta);
      default -> throw new IllegalStateException("no option " + key);
    };
  }

  /** The name: {@code adam}, {@code sf-adamw}, {@code prodigy} or {@code dog}. */
  public String name() {
    return spec.name();
  }

  /** The spec (name and the options given, in canonical text). */
  public PolicySpec spec() {
    return spec;
  }

  /** Whether this is the network's own updater ({@code adam}). */
  public boolean isNetworkUpdater() {
    return this == ADAM;
  }

  /**
   * The policy learning rate at which this optimizer runs as published: Adam's {@link
   * Models#UNIT_LR} (1e-3), SF-AdamW's γ 0.0025, Prodigy's and DoG's multiplier 1.
   */
  public double defaultLr() {
    return switch (spec.name()) {
      case "sf-adamw" -> 0.0025;
      case "prodigy", "dog" -> 1.0;
      default -> Models.UNIT_LR;
    };
  }

  /**
   * Whether evaluation uses other parameters than training (Schedule-Free: x instead of y); see
   * {@link Dl4jTrainer#evalMode()}.
   */
  public boolean hasEvalPoint() {
    return spec.name().equals("sf-adamw");
  }

  /**
   * The DL4J updater a network trained with this optimizer must be configured with: {@code
   * Adam(Models.UNIT_LR)} for {@code adam}, {@code Sgd(1.0)} for the others (which compute the
   * whole update themselves; DL4J's updater then only divides the summed gradient by the batch
   * size). A fresh object on every call.
   */
  public IUpdater networkUpdater() {
    return isNetworkUpdater() ? new Adam(Models.UNIT_LR) : new Sgd(1.0);
  }

  /**
   * A fresh optimizer state for a network with the given per-layer parameter counts and data type,
   * or null for {@code adam} (the network's own updater).
   */
  FlatOptimizer create(long[] layerLengths, DataType type) {
    return switch (spec.name()) {
      case "sf-adamw" -> new ScheduleFreeAdamW(this, layerLengths, type);
      case "prodigy" -> new Prodigy(this, layerLengths, type);
      case "dog" -> new Dog(this, layerLengths, type);
      default -> null;
    };
  }

  @Override
  public String toString() {
    return spec.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dl4jOptimizer d && d.spec.equals(spec);
  }

  @Override
  public int hashCode() {
    return spec.hashCode();
  }

  // ---- option validation: each message names optimizer.key and the value; NaN fails ----

  private static String key(PolicySpec s, String k) {
    return s.name() + "." + k;
  }

  private static double positive(PolicySpec s, String k, double fallback) {
    double v = s.getDouble(k, fallback);
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(key(s, k) + " must be finite and > 0, but was " + v);
    }
    return v;
  }

  private static double nonNegative(PolicySpec s, String k, double fallback) {
    double v = s.getDouble(k, fallback);
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(key(s, k) + " must be finite and >= 0, but was " + v);
    }
    return v;
  }

  /** [0, 1), or (0, 1) when {@code open} (Schedule-Free divides by β1). */
  private static double inRange(PolicySpec s, String k, double fallback, boolean open) {
    double v = s.getDouble(k, fallback);
    if (open ? !(v > 0 && v < 1) : !(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(
          key(s, k) + " must be in " + (open ? "(0, 1)" : "[0, 1)") + ", but was " + v);
    }
    return v;
  }

  private static long atLeastZero(PolicySpec s, String k) {
    long v = s.getLong(k, 0);
    if (v < 0) {
      throw new IllegalArgumentException(key(s, k) + " must be an integer >= 0, but was " + v);
    }
    return v;
  }
}

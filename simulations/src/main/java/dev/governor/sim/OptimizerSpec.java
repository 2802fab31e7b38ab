package dev.governor.sim;

import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An optimizer with its hyperparameters: a {@link OptimizerKind} and the options given explicitly
 * (the others take the defaults documented on the kind). Text form as for policies and problems:
 * {@code name} or {@code name(key=value, ...)}, e.g. {@code prodigy(d0=1e-4)}, {@code
 * dog(reps-rel=1e-4)}, {@code sgd-hd(beta=1e-3)}, {@code sf-adamw(warmup=100)}; {@link
 * #parse(String)} and {@link #toString()} are inverse (numbers are written so they round-trip
 * exactly). Immutable and validated: an unknown key or a value outside its domain is refused with
 * one message naming every bad key and value.
 *
 * <p>Domains: betas and momenta in (0, 1) ({@code beta1} of Prodigy / D-Adapt Adam / Adam-HD and
 * the D-Adapt SGD {@code momentum} in [0, 1)); {@code eps}, {@code d0}, {@code d-coef}, {@code
 * reps-rel}, {@code init-eta} finite and > 0; {@code beta} (hypergradient), {@code r}, {@code
 * weight-lr-power}, {@code gamma} finite and >= 0; {@code growth-rate} >= 1 ({@code inf} allowed);
 * {@code warmup} an integer >= 0; flags {@code true}/{@code false}. NaN is refused everywhere.
 *
 * @param kind the optimizer
 * @param options explicitly given option values as text, by key (validated, normalized, sorted)
 */
public record OptimizerSpec(OptimizerKind kind, Map<String, String> options) {

  private enum Domain {
    UNIT_OPEN("in (0, 1)"),
    UNIT_CLOSED_OPEN("in [0, 1)"),
    POSITIVE("finite and > 0"),
    NON_NEGATIVE("finite and >= 0"),
    GROWTH(">= 1 (inf allowed)"),
    COUNT("an integer >= 0"),
    FLAG("true or false");

    final String text;

    Domain(String text) {
      this.text = text;
    }

    boolean accepts(double v) {
      return switch (this) {
        case UNIT_OPEN -> v > 0 && v < 1;
        case UNIT_CLOSED_OPEN -> v >= 0 && v < 1;
        case POSITIVE -> v > 0 && Double.isFinite(v);
        case NON_NEGATIVE, COUNT -> v >= 0 && Double.isFinite(v);
        case GROWTH -> v >= 1;
        case FLAG -> v == 0 || v == 1;
      };
    }
  }

  /** One option: its domain, its default (NaN: computed or unset) and the default as text. */
  private record Opt(Domain domain, double defaultValue, String defaultText) {}

  /** A decimal number (no NaN, hex or type suffix, which {@link Double#parseDouble} accepts). */
  private static final java.util.regex.Pattern NUMBER =
      java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?");

  private static final Map<OptimizerKind, Map<String, Opt>> OPTIONS = table();

  private static Map<OptimizerKind, Map<String, Opt>> table() {
    Map<OptimizerKind, Map<String, Opt>> t = new EnumMap<>(OptimizerKind.class);
    for (OptimizerKind k : OptimizerKind.values()) {
      t.put(k, new LinkedHashMap<>());
    }
    t.get(OptimizerKind.MOMENTUM).put("beta", num(Domain.UNIT_OPEN, OptimizerKind.MOMENTUM_BETA));
    for (OptimizerKind k : new OptimizerKind[] {OptimizerKind.ADAM, OptimizerKind.ADAMW}) {
      adam(t.get(k), Domain.UNIT_OPEN);
    }
    for (OptimizerKind k : new OptimizerKind[] {OptimizerKind.SF_SGD, OptimizerKind.SF_ADAMW}) {
      Map<String, Opt> m = t.get(k);
      if (k == OptimizerKind.SF_SGD) {
        m.put("momentum", num(Domain.UNIT_OPEN, 0.9));
      } else {
        adam(m, Domain.UNIT_OPEN);
      }
      m.put("warmup", num(Domain.COUNT, 0));
      m.put("r", num(Domain.NON_NEGATIVE, 0));
      m.put("weight-lr-power", num(Domain.NON_NEGATIVE, 2));
    }
    Map<String, Opt> p = t.get(OptimizerKind.PRODIGY);
    p.put("d0", num(Domain.POSITIVE, 1e-6));
    adam(p, Domain.UNIT_CLOSED_OPEN);
    p.put("beta3", new Opt(Domain.UNIT_OPEN, Double.NaN, "sqrt(beta2)"));
    p.put("d-coef", num(Domain.POSITIVE, 1));
    p.put("growth-rate", num(Domain.GROWTH, Double.POSITIVE_INFINITY));
    p.put("decouple", flag(true));
    p.put("bias-correction", flag(false));
    p.put("safeguard-warmup", flag(false));
    Map<String, Opt> ds = t.get(OptimizerKind.DADAPT_SGD);
    ds.put("d0", num(Domain.POSITIVE, 1e-6));
    ds.put("momentum", num(Domain.UNIT_CLOSED_OPEN, 0));
    ds.put("growth-rate", num(Domain.GROWTH, Double.POSITIVE_INFINITY));
    Map<String, Opt> da = t.get(OptimizerKind.DADAPT_ADAM);
    da.put("d0", num(Domain.POSITIVE, 1e-6));
    adam(da, Domain.UNIT_CLOSED_OPEN);
    da.put("growth-rate", num(Domain.GROWTH, Double.POSITIVE_INFINITY));
    da.put("decouple", flag(false));
    da.put("bias-correction", flag(false));
    Map<String, Opt> dog = t.get(OptimizerKind.DOG);
    dog.put("reps-rel", num(Domain.POSITIVE, 1e-6));
    dog.put("eps", num(Domain.POSITIVE, 1e-8));
    dog.put("init-eta", new Opt(Domain.POSITIVE, Double.NaN, "unset"));
    dog.put("average", flag(true));
    dog.put("gamma", num(Domain.NON_NEGATIVE, 8));
    t.get(OptimizerKind.SGD_HD).put("beta", num(Domain.NON_NEGATIVE, 1e-3));
    Map<String, Opt> ah = t.get(OptimizerKind.ADAM_HD);
    ah.put("beta", num(Domain.NON_NEGATIVE, 1e-7));
    adam(ah, Domain.UNIT_CLOSED_OPEN);
    Map<OptimizerKind, Map<String, Opt>> frozen = new EnumMap<>(OptimizerKind.class);
    t.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(v)));
    return Collections.unmodifiableMap(frozen);
  }

  private static void adam(Map<String, Opt> m, Domain beta1) {
    m.put("beta1", num(beta1, OptimizerKind.BETA1));
    m.put("beta2", num(Domain.UNIT_OPEN, OptimizerKind.BETA2));
    m.put("eps", num(Domain.POSITIVE, OptimizerKind.EPS));
  }

  private static Opt num(Domain d, double v) {
    return new Opt(d, v, d == Domain.COUNT ? Long.toString((long) v) : numText(v));
  }

  private static Opt flag(boolean v) {
    return new Opt(Domain.FLAG, v ? 1 : 0, Boolean.toString(v));
  }

  private static String numText(double v) {
    return v == Double.POSITIVE_INFINITY ? "inf" : Double.toString(v);
  }

  /** Validates the options against the kind and normalizes their text. */
  public OptimizerSpec {
    if (kind == null) {
      throw new IllegalArgumentException("optimizer must not be null");
    }
    Map<String, Opt> known = OPTIONS.get(kind);
    TreeMap<String, String> copy = new TreeMap<>();
    List<String> unknown = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    if (options != null) {
      for (Map.Entry<String, String> e : options.entrySet()) {
        String key = e.getKey() == null ? "null" : e.getKey().trim().toLowerCase(Locale.ROOT);
        Opt o = known.get(key);
        if (o == null) {
          unknown.add("'" + key + "'");
          continue;
        }
        String raw = e.getValue() == null ? "" : e.getValue().trim();
        double v = parseValue(o.domain(), raw);
        if (!o.domain().accepts(v)) {
          bad.add(
              kind.id() + "." + key + " must be " + o.domain().text + ", but was '" + raw + "'");
          continue;
        }
        copy.put(key, text(o.domain(), v));
      }
    }
    if (!unknown.isEmpty() || !bad.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!unknown.isEmpty()) {
        parts.add(
            "optimizer "
                + kind.id()
                + " has no option "
                + String.join(", ", unknown)
                + " (options: "
                + (known.isEmpty() ? "none" : String.join(", ", known.keySet()))
                + ")");
      }
      parts.addAll(bad);
      throw new IllegalArgumentException(String.join("; ", parts));
    }
    options = Collections.unmodifiableMap(copy);
  }

  /** NaN when the text is not a value of the domain (so {@link Domain#accepts} refuses it). */
  private static double parseValue(Domain d, String raw) {
    String s = raw.toLowerCase(Locale.ROOT);
    if (d == Domain.FLAG) {
      return switch (s) {
        case "true" -> 1;
        case "false" -> 0;
        default -> Double.NaN;
      };
    }
    if (d == Domain.COUNT) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    if (s.equals("inf") || s.equals("+inf") || s.equals("infinity") || s.equals("+infinity")) {
      return Double.POSITIVE_INFINITY;
    }
    return NUMBER.matcher(s).matches() ? Double.parseDouble(s) : Double.NaN;
  }

  private static String text(Domain d, double v) {
    return switch (d) {
      case FLAG -> Boolean.toString(v == 1);
      case COUNT -> Long.toString((long) v);
      default -> numText(v);
    };
  }

  /** The kind with default hyperparameters. */
  public static OptimizerSpec of(OptimizerKind kind) {
    return new OptimizerSpec(kind, Map.of());
  }

  /**
   * Parses {@code name} or {@code name(key=value, ...)}: the name as {@link
   * OptimizerKind#parse(String)}, the options validated.
   *
   * @throws IllegalArgumentException naming the text, the bad keys or the bad values
   */
  public static OptimizerSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("optimizer must not be empty, but was '" + text + "'");
    }
    String t = text.trim();
    int open = t.indexOf('(');
    if (open < 0) {
      return of(OptimizerKind.parse(t));
    }
    if (!t.endsWith(")")) {
      throw new IllegalArgumentException(
          "optimizer must be name or name(key=value, ...), but was '" + text + "'");
    }
    OptimizerKind kind = OptimizerKind.parse(t.substring(0, open));
    Map<String, String> opts = new LinkedHashMap<>();
    String body = t.substring(open + 1, t.length() - 1).trim();
    if (!body.isEmpty()) {
      for (String part : body.split(",")) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "optimizer option must be key=value, but was '"
                  + part.trim()
                  + "' in '"
                  + text
                  + "'");
        }
        String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        if (opts.put(key, part.substring(eq + 1).trim()) != null) {
          throw new IllegalArgumentException(
              "optimizer option '" + key + "' is given twice in '" + text + "'");
        }
      }
    }
    return new OptimizerSpec(kind, opts);
  }

  /**
   * A copy with one option set.
   *
   * @throws IllegalArgumentException when the key is unknown or the value out of its domain
   */
  public OptimizerSpec with(String key, Object value) {
    Map<String, String> copy = new TreeMap<>(options);
    copy.put(key, String.valueOf(value));
    return new OptimizerSpec(kind, copy);
  }

  /** The command-line id of the kind. */
  public String id() {
    return kind.id();
  }

  /** Whether the option was given explicitly. */
  public boolean has(String key) {
    return options.containsKey(key);
  }

  /**
   * The option's value (given or default); flags are 1 (true) or 0 (false), counts are integral.
   * NaN for an unset option without a fixed default ({@code beta3}, {@code init-eta}).
   *
   * @throws IllegalArgumentException when the kind has no such option
   */
  public double get(String key) {
    Opt o = OPTIONS.get(kind).get(key);
    if (o == null) {
      throw new IllegalArgumentException("optimizer " + kind.id() + " has no option '" + key + "'");
    }
    String v = options.get(key);
    return v == null ? o.defaultValue() : parseValue(o.domain(), v);
  }

  /** A flag option's value. */
  public boolean flag(String key) {
    return get(key) == 1;
  }

  /** The option keys of a kind and their defaults as text, in documentation order. */
  public static Map<String, String> defaults(OptimizerKind kind) {
    Map<String, String> m = new LinkedHashMap<>();
    OPTIONS.get(kind).forEach((k, o) -> m.put(k, o.defaultText()));
    return Collections.unmodifiableMap(m);
  }

  /**
   * The largest stable constant learning rate on a noise-free quadratic with top curvature {@code
   * lambdaMax}: 2/λ for SGD, 2(1+β)/λ for heavy-ball momentum with this spec's β; NaN otherwise.
   */
  public double stabilityBound(double lambdaMax) {
    return kind == OptimizerKind.MOMENTUM
        ? 2.0 * (1 + get("beta")) / lambdaMax
        : kind.stabilityBound(lambdaMax);
  }

  @Override
  public String toString() {
    return PolicySpec.format(kind.id(), options);
  }
}

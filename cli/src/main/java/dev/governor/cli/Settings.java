package dev.governor.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The configuration of one {@code governor} invocation: every {@code reference.conf} on the class
 * path (the documented built-in defaults, one per module, keys under {@code governor.}), overridden
 * by the {@code --config} file, overridden by {@code -D} keys; command-line flags override all of
 * them.
 *
 * <p>Layout: {@code governor.<command>.<flag>} holds a default for the command's flag {@code
 * --<flag>}; {@code governor.policy.<name>.<option>} holds an option of the policy {@code <name>}
 * (the options of {@link PolicySpec}). Only values the user set (file or {@code -D}) are applied:
 * the reference values document the code's defaults and tests keep the two equal.
 *
 * <p>Validation happens once, in {@link #load}, before a command runs: an unknown key (with the
 * closest known one), a value of the wrong type, and a policy section that {@link Policies#create}
 * rejects each give one line naming the key, the value and its origin ({@code file: line}). Domain
 * errors found later by a command about a value that came from here are re-worded by {@link
 * #explain} to name the key and origin instead of the flag.
 */
final class Settings {
  static final String ROOT = "governor";
  static final String POLICY = "governor.policy";

  private static final ConfigParseOptions PARSE = ConfigParseOptions.defaults();

  private final Config reference;
  private final Config effective;
  private final Path file;

  /** Sorted known paths (sections and keys) of the reference configuration, for suggestions. */
  private final Set<String> known = new TreeSet<>();

  /** Message prefix ({@code --steps}, {@code cosine.lr-min}) → [config key, origin]. */
  private final Map<String, String[]> provenance = new LinkedHashMap<>();

  private Settings(Config reference, Config effective, Path file) {
    this.reference = reference;
    this.effective = effective;
    this.file = file;
    collect(reference.root(), new ArrayList<>());
  }

  /**
   * Loads and validates the configuration.
   *
   * @param file the {@code --config} file, or null
   * @param defines the {@code -D} keys and values, in order (a later one wins)
   * @throws UserException with one line naming the file, key, value and origin of the first problem
   */
  static Settings load(Path file, Map<String, String> defines) {
    Config reference = reference();
    Config user = ConfigFactory.empty();
    if (file != null) {
      user = parseFile(file);
    }
    for (Map.Entry<String, String> e : defines.entrySet()) {
      user = parseDefine(e.getKey(), e.getValue()).withFallback(user);
    }
    Config merged;
    try {
      merged = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new UserException("configuration: " + oneLine(e));
    }
    Settings s = new Settings(reference, merged.withOnlyPath(ROOT), file);
    s.check(merged.root().get(ROOT), List.of(ROOT));
    s.checkPolicies();
    return s;
  }

  /** The default configuration (reference.conf only), for code that runs without {@link Main}. */
  static Settings defaults() {
    return load(null, Map.of());
  }

  /** The settings of the invocation a command belongs to. */
  static Settings of(CommandSpec spec) {
    Object root = spec.root().userObject();
    if (root instanceof Main m) {
      if (m.settings == null) {
        m.settings = defaults();
      }
      return m.settings;
    }
    return defaults();
  }

  /** Every {@code reference.conf} on the class path, only the {@code governor} keys, resolved. */
  static Config reference() {
    return ConfigFactory.parseResources(Settings.class.getClassLoader(), "reference.conf", PARSE)
        .withOnlyPath(ROOT)
        .resolve();
  }

  /** The {@code --config} file given, or null. */
  Path file() {
    return file;
  }

  /** The effective configuration (keys under {@code governor.}), resolved. */
  Config config() {
    return effective;
  }

  /** Whether the value at {@code path} was set by the user (not by a reference.conf). */
  boolean userSet(String path) {
    return effective.hasPath(path) && !fromReference(effective.getValue(path));
  }

  private static boolean fromReference(ConfigValue v) {
    String r = v.origin().resource();
    return r != null && r.endsWith("reference.conf");
  }

  // ---------------------------------------------------------------- parsing

  private static Config parseFile(Path file) {
    if (!Files.exists(file)) {
      throw new UserException("--config " + file + ": no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new UserException("--config " + file + ": not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new UserException("--config " + file + ": not readable");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), PARSE.setAllowMissing(false));
    } catch (ConfigException e) {
      throw new UserException("--config " + oneLine(e));
    }
  }

  private static Config parseDefine(String key, String value) {
    ConfigParseOptions o = PARSE.setOriginDescription("-D" + key);
    if (key == null || key.isBlank()) {
      throw new UserException("-D needs KEY=VALUE, but the key was empty (value '" + value + "')");
    }
    try {
      return ConfigFactory.parseString(key + " = " + value, o);
    } catch (ConfigException first) {
      try {
        return ConfigFactory.parseString(key + " = " + ConfigUtil.quoteString(value), o);
      } catch (ConfigException e) {
        throw new UserException(
            "-D" + key + "=" + value + " is not KEY=VALUE with KEY a configuration path");
      }
    }
  }

  /** A Typesafe error as one line: {@code file: line: detail} (syntax errors say so). */
  static String oneLine(ConfigException e) {
    String msg = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim();
    ConfigOrigin o = e.origin();
    if (o != null) {
      String prefix = o.description() + ": ";
      if (msg.startsWith(prefix)) {
        msg = msg.substring(prefix.length());
      }
      String kind = e instanceof ConfigException.Parse ? "syntax error at " : "";
      return kind + where(o) + ": " + msg;
    }
    return msg;
  }

  /** An origin as {@code file: line}, {@code -Dkey} or Typesafe's description. */
  static String where(ConfigOrigin o) {
    if (o == null) {
      return "unknown origin";
    }
    if (o.filename() != null) {
      return o.filename() + (o.lineNumber() > 0 ? ": " + o.lineNumber() : "");
    }
    String d = o.description();
    if (d.startsWith("-D")) {
      int colon = d.lastIndexOf(": ");
      return colon > 0 ? d.substring(0, colon) : d;
    }
    if (o.resource() != null) {
      String r = o.resource();
      if (o.url() != null) {
        // name the module: .../governor-controllers-0.1.0.jar!/reference.conf or
        // .../controllers/target/classes/reference.conf
        String u = o.url().toString();
        int bang = u.indexOf("!/");
        String container = bang > 0 ? u.substring(0, bang) : u.substring(0, u.lastIndexOf('/'));
        container = container.replaceAll("/target/(test-)?classes$", "");
        String name = container.substring(container.lastIndexOf('/') + 1);
        r = name.replaceAll("-\\d.*\\.jar$", "").replaceAll("\\.jar$", "") + " " + r;
      }
      return r + (o.lineNumber() > 0 ? ": " + o.lineNumber() : "");
    }
    return d;
  }

  // ---------------------------------------------------------------- validation

  private void collect(ConfigValue v, List<String> path) {
    if (!path.isEmpty()) {
      known.add(ConfigUtil.joinPath(path));
    }
    if (v instanceof ConfigObject o) {
      for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
        List<String> p = new ArrayList<>(path);
        p.add(e.getKey());
        collect(e.getValue(), p);
      }
    }
  }

  private ConfigValueType referenceType(String path) {
    return reference.hasPath(path) ? reference.getValue(path).valueType() : ConfigValueType.NULL;
  }

  /** Checks the user's keys at and below {@code path}: known, and of the reference's type. */
  private void check(ConfigValue v, List<String> pathList) {
    if (v == null) {
      return;
    }
    String path = ConfigUtil.joinPath(pathList);
    if (!reference.hasPathOrNull(path)) {
      ConfigValue userLeaf = firstUserLeaf(v);
      if (userLeaf != null) {
        String hint = suggest(path);
        throw new UserException(
            "unknown configuration key "
                + path
                + " (from "
                + where(userLeaf.origin())
                + ")"
                + (hint == null ? "" : "; did you mean " + hint + "?"));
      }
      return;
    }
    ConfigValueType ref = referenceType(path);
    if (v instanceof ConfigObject o) {
      if (ref != ConfigValueType.OBJECT) {
        ConfigValue leaf = firstUserLeaf(v);
        if (leaf != null) {
          throw bad(path, "must be " + article(ref) + ", but was a section {...}", leaf);
        }
        return;
      }
      for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
        List<String> p = new ArrayList<>(pathList);
        p.add(e.getKey());
        check(e.getValue(), p);
      }
      return;
    }
    if (fromReference(v)) {
      return;
    }
    if (ref == ConfigValueType.OBJECT) {
      throw bad(path, "is a section, but was set to " + show(v), v);
    }
    checkType(path, ref, v);
  }

  private static ConfigValue firstUserLeaf(ConfigValue v) {
    if (v instanceof ConfigObject o) {
      for (ConfigValue c : o.values()) {
        ConfigValue u = firstUserLeaf(c);
        if (u != null) {
          return u;
        }
      }
      return null;
    }
    return fromReference(v) ? null : v;
  }

  private static void checkType(String path, ConfigValueType ref, ConfigValue v) {
    ConfigValueType t = v.valueType();
    switch (ref) {
      case NUMBER -> {
        if (t != ConfigValueType.NUMBER
            && !(t == ConfigValueType.STRING && isNumber((String) v.unwrapped()))) {
          throw bad(path, "must be a number, but was " + show(v), v);
        }
      }
      case BOOLEAN -> {
        if (t != ConfigValueType.BOOLEAN
            && !(t == ConfigValueType.STRING && parseBoolean((String) v.unwrapped()) != null)) {
          throw bad(path, "must be true or false, but was " + show(v), v);
        }
      }
      case LIST -> {
        if (t != ConfigValueType.LIST && t != ConfigValueType.STRING) {
          throw bad(path, "must be a list, but was " + show(v), v);
        }
        if (v instanceof ConfigList l) {
          for (ConfigValue e : l) {
            if (!isScalar(e)) {
              throw bad(path, "must be a list of values, but was " + show(v), v);
            }
          }
        }
      }
      default -> {
        if (!isScalar(v)) {
          throw bad(path, "must be a single value, but was " + show(v), v);
        }
      }
    }
  }

  private static boolean isScalar(ConfigValue v) {
    return switch (v.valueType()) {
      case NUMBER, STRING, BOOLEAN, NULL -> true;
      default -> false;
    };
  }

  private static boolean isNumber(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("inf") || t.equals("infinity") || t.equals("+inf")) {
      return true;
    }
    try {
      Double.parseDouble(t);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Boolean parseBoolean(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> Boolean.TRUE;
      case "false", "no", "off" -> Boolean.FALSE;
      default -> null;
    };
  }

  private static String article(ConfigValueType t) {
    return switch (t) {
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case LIST -> "a list";
      default -> "a single value";
    };
  }

  private static UserException bad(String path, String what, ConfigValue v) {
    return new UserException(path + " " + what + " (from " + where(v.origin()) + ")");
  }

  /** A value as the user wrote it: numbers and booleans plain, strings in quotes, lists in []. */
  static String show(ConfigValue v) {
    return switch (v.valueType()) {
      case STRING -> "'" + v.unwrapped() + "'";
      case NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());
      case NULL -> "null";
      default -> v.render(ConfigRenderOptions.concise());
    };
  }

  /** A scalar's text (numbers via their Java value, so 1e-3 is 0.001). */
  static String text(ConfigValue v) {
    return String.valueOf(v.unwrapped());
  }

  /**
   * The closest known key: one with the same last segment (shortest first), else the nearest by
   * edit distance when it is close enough; null when none.
   */
  String suggest(String path) {
    List<String> parts = ConfigUtil.splitPath(path);
    String last = parts.get(parts.size() - 1);
    String best = null;
    for (String k : known) {
      List<String> kp = ConfigUtil.splitPath(k);
      if (kp.get(kp.size() - 1).equals(last) && !k.equals(path)) {
        if (best == null || distance(k, path) < distance(best, path)) {
          best = k;
        }
      }
    }
    if (best != null) {
      return best;
    }
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(k, path);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return bestD <= Math.max(2, last.length() / 3) ? best : null;
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * Builds every policy section the user set (with the built-in defaults for the rest) so a bad
   * option fails now, before anything runs; the message names the key, value and origin.
   */
  private void checkPolicies() {
    if (!effective.hasPath(POLICY)) {
      return;
    }
    for (String name : new TreeSet<>(effective.getObject(POLICY).keySet())) {
      PolicySpec spec = PolicySpec.of(name);
      Map<String, String[]> origins = new TreeMap<>();
      for (Map.Entry<String, ConfigValue> e : userOptions(name).entrySet()) {
        spec = spec.with(e.getKey(), text(e.getValue()));
        origins.put(
            name + "." + e.getKey(),
            new String[] {optionPath(name, e.getKey()), where(e.getValue().origin())});
      }
      if (origins.isEmpty()) {
        continue;
      }
      try {
        Policies.create(spec);
      } catch (IllegalArgumentException e) {
        String m = rewrite(origins, e.getMessage());
        throw new UserException(
            m.equals(e.getMessage())
                ? POLICY + "." + name + ": " + m + " (with the options set in the configuration)"
                : m);
      }
    }
  }

  static String optionPath(String policy, String option) {
    return ConfigUtil.joinPath(ROOT, "policy", policy, option);
  }

  /** The options of {@code governor.policy.<name>} the user set (non-null), by option name. */
  private Map<String, ConfigValue> userOptions(String name) {
    Map<String, ConfigValue> m = new TreeMap<>();
    String section = ConfigUtil.joinPath(ROOT, "policy", name);
    if (!effective.hasPath(section)) {
      return m;
    }
    for (Map.Entry<String, ConfigValue> e : effective.getObject(section).entrySet()) {
      ConfigValue v = e.getValue();
      if (v.valueType() != ConfigValueType.NULL && !fromReference(v)) {
        m.put(e.getKey(), v);
      }
    }
    return m;
  }

  // ---------------------------------------------------------------- use by commands

  /**
   * The policy {@code given} with the options the user configured for its name added; options the
   * spec already has (from the command line) win.
   */
  PolicySpec policy(PolicySpec given) {
    PolicySpec s = given;
    for (Map.Entry<String, ConfigValue> e : userOptions(given.name()).entrySet()) {
      if (!s.has(e.getKey())) {
        s = s.with(e.getKey(), text(e.getValue()));
        provenance.put(
            given.name() + "." + e.getKey(),
            new String[] {optionPath(given.name(), e.getKey()), where(e.getValue().origin())});
      }
    }
    return s;
  }

  /**
   * Sets every option of {@code spec} that was not given on the command line and that the user
   * configured under {@code governor.<section>.<flag>}; returns the settings for further use.
   *
   * @throws UserException naming the key, value and origin when a value does not convert
   */
  static Settings bind(CommandSpec spec, String section) {
    Settings s = of(spec);
    s.apply(spec, section);
    return s;
  }

  void apply(CommandSpec spec, String section) {
    ParseResult pr = spec.commandLine().getParseResult();
    String base = ConfigUtil.joinPath(ROOT, section);
    if (!effective.hasPath(base)) {
      return;
    }
    for (Map.Entry<String, ConfigValue> e : effective.getObject(base).entrySet()) {
      ConfigValue v = e.getValue();
      OptionSpec o = spec.findOption("--" + e.getKey());
      if (o == null
          || v.valueType() == ConfigValueType.NULL
          || fromReference(v)
          || (pr != null && pr.hasMatchedOption(o))) {
        continue;
      }
      String path = ConfigUtil.joinPath(ROOT, section, e.getKey());
      o.setValue(convert(path, v, o));
      provenance.put("--" + e.getKey(), new String[] {path, where(v.origin())});
    }
  }

  private static Object convert(String path, ConfigValue v, OptionSpec o) {
    Class<?> t = o.type();
    String text = v instanceof ConfigList ? null : text(v);
    try {
      if (t == String.class) {
        return requireScalar(path, v, text);
      }
      if (t == Path.class) {
        return Path.of(requireScalar(path, v, text));
      }
      if (t == int.class || t == Integer.class) {
        long x = integral(path, v);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
          throw bad(path, "must be a 32-bit integer, but was " + show(v), v);
        }
        return (int) x;
      }
      if (t == long.class || t == Long.class) {
        return integral(path, v);
      }
      if (t == double.class || t == Double.class) {
        if (v.valueType() == ConfigValueType.NUMBER) {
          return ((Number) v.unwrapped()).doubleValue();
        }
        String s = requireScalar(path, v, text).trim().toLowerCase(Locale.ROOT);
        return s.equals("inf") || s.equals("infinity")
            ? Double.POSITIVE_INFINITY
            : Double.parseDouble(s);
      }
      if (t == boolean.class || t == Boolean.class) {
        Boolean b =
            v.valueType() == ConfigValueType.BOOLEAN
                ? (Boolean) v.unwrapped()
                : parseBoolean(requireScalar(path, v, text));
        if (b == null) {
          throw bad(path, "must be true or false, but was " + show(v), v);
        }
        return b;
      }
      if (List.class.isAssignableFrom(t)) {
        List<String> out = new ArrayList<>();
        if (v instanceof ConfigList l) {
          for (ConfigValue e : l) {
            out.add(text(e).trim());
          }
        } else {
          String split = o.splitRegex().isEmpty() ? "," : o.splitRegex();
          for (String part : text.split(split)) {
            if (!part.isBlank()) {
              out.add(part.trim());
            }
          }
        }
        return out;
      }
    } catch (NumberFormatException e) {
      throw bad(path, "must be a number, but was " + show(v), v);
    }
    throw bad(path, "cannot be set from a configuration file (" + t.getSimpleName() + ")", v);
  }

  private static String requireScalar(String path, ConfigValue v, String text) {
    if (text == null || !isScalar(v)) {
      throw bad(path, "must be a single value, but was " + show(v), v);
    }
    return text;
  }

  private static long integral(String path, ConfigValue v) {
    Object u = v.unwrapped();
    if (u instanceof Integer || u instanceof Long) {
      return ((Number) u).longValue();
    }
    try {
      if (u instanceof String s) {
        return Long.parseLong(s.trim());
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw bad(path, "must be an integer, but was " + show(v), v);
  }

  /**
   * The command's effective option values for the keys of {@code governor.<section>} (after flags
   * and configuration), as {@code governor.<section>.<key>} → text, plus {@code config.file}; for
   * {@code run.json}.
   */
  Map<String, String> effective(CommandSpec spec, String section) {
    Map<String, String> m = new TreeMap<>();
    String base = ConfigUtil.joinPath(ROOT, section);
    if (reference.hasPath(base)) {
      for (String key : reference.getObject(base).keySet()) {
        OptionSpec o = spec.findOption("--" + key);
        Object value = o == null ? null : o.getValue();
        if (value != null) {
          m.put(
              ConfigUtil.joinPath(ROOT, section, key),
              value instanceof List<?> l
                  ? String.join(",", l.stream().map(String::valueOf).toList())
                  : String.valueOf(value));
        }
      }
    }
    if (file != null) {
      m.put("config.file", file.toString());
    }
    return m;
  }

  /**
   * Re-words a command's error about a flag or policy option whose value came from the
   * configuration: {@code --steps must be >= 1, but was 0} becomes {@code governor.simulate.steps
   * must be >= 1, but was 0 (from my.conf: 3)}. Other messages are returned unchanged.
   */
  static String explain(Settings s, String message) {
    if (s == null || message == null) {
      return message;
    }
    return rewrite(s.provenance, message);
  }

  private static String rewrite(Map<String, String[]> origins, String message) {
    List<String> prefixes = new ArrayList<>(origins.keySet());
    prefixes.sort(Comparator.comparingInt(String::length).reversed());
    for (String p : prefixes) {
      if (message.startsWith(p)
          && (message.length() == p.length()
              || message.charAt(p.length()) == ' '
              || message.charAt(p.length()) == ':')) {
        String[] o = origins.get(p);
        return o[0] + message.substring(p.length()) + " (from " + o[1] + ")";
      }
    }
    return message;
  }
}

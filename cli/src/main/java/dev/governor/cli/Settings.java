package dev.governor.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

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
 *
 * <p>This class loads the layers and serves the commands; the checks are {@link SettingsCheck}, the
 * setting of flags from keys {@link OptionBinding}, and how origins and values are spelled in
 * messages {@link ConfigOrigins}.
 */
final class Settings {
  static final String ROOT = "governor";
  static final String POLICY = "governor.policy";

  private static final ConfigParseOptions PARSE = ConfigParseOptions.defaults();

  private final Config reference;
  private final Config effective;
  private final Path file;

  /** The checks against the reference, and its known keys for suggestions. */
  private final SettingsCheck check;

  /** Message prefix ({@code --steps}, {@code cosine.lr-min}) → [config key, origin]. */
  private final Map<String, String[]> provenance = new LinkedHashMap<>();

  private Settings(Config reference, Config effective, Path file) {
    this.reference = reference;
    this.effective = effective;
    this.file = file;
    this.check = new SettingsCheck(reference);
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
      throw new UserException("configuration: " + ConfigOrigins.oneLine(e));
    }
    Settings s = new Settings(reference, merged.withOnlyPath(ROOT), file);
    s.check.check(merged.root().get(ROOT), List.of(ROOT));
    s.check.checkPolicies(s.effective);
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
    return effective.hasPath(path) && !ConfigOrigins.fromReference(effective.getValue(path));
  }

  /**
   * The closest known key: one with the same last segment (shortest first), else the nearest by
   * edit distance when it is close enough; null when none.
   */
  String suggest(String path) {
    return check.suggest(path);
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
      throw new UserException("--config " + ConfigOrigins.oneLine(e));
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

  // ---------------------------------------------------------------- policy sections

  static String optionPath(String policy, String option) {
    return ConfigUtil.joinPath(ROOT, "policy", policy, option);
  }

  /** The options of {@code governor.policy.<name>} the user set (non-null), by option name. */
  static Map<String, ConfigValue> userOptions(Config effective, String name) {
    Map<String, ConfigValue> m = new TreeMap<>();
    String section = ConfigUtil.joinPath(ROOT, "policy", name);
    if (!effective.hasPath(section)) {
      return m;
    }
    for (Map.Entry<String, ConfigValue> e : effective.getObject(section).entrySet()) {
      ConfigValue v = e.getValue();
      if (v.valueType() != ConfigValueType.NULL && !ConfigOrigins.fromReference(v)) {
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
    for (Map.Entry<String, ConfigValue> e : userOptions(effective, given.name()).entrySet()) {
      if (!s.has(e.getKey())) {
        s = s.with(e.getKey(), ConfigOrigins.text(e.getValue()));
        provenance.put(
            given.name() + "." + e.getKey(),
            new String[] {
              optionPath(given.name(), e.getKey()), ConfigOrigins.where(e.getValue().origin())
            });
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
    OptionBinding.apply(s.effective, spec, section, s.provenance);
    return s;
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
    return ConfigOrigins.rewrite(s.provenance, message);
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
}

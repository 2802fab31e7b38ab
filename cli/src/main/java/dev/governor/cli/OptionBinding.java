package dev.governor.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Sets a command's options from {@code governor.<command>.<flag>}: each value converted to the
 * option's type (string, path, int, long, double with {@code inf}, boolean, list), a flag given on
 * the command line winning.
 */
final class OptionBinding {
  private OptionBinding() {}

  /**
   * Sets every option of {@code spec} that was not given on the command line and that the user
   * configured under {@code governor.<section>.<flag>} in {@code effective}; records each in {@code
   * provenance} (flag → [key, origin]).
   *
   * @throws UserException naming the key, value and origin when a value does not convert
   */
  static void apply(
      Config effective, CommandSpec spec, String section, Map<String, String[]> provenance) {
    ParseResult pr = spec.commandLine().getParseResult();
    String base = ConfigUtil.joinPath(Settings.ROOT, section);
    if (!effective.hasPath(base)) {
      return;
    }
    for (Map.Entry<String, ConfigValue> e : effective.getObject(base).entrySet()) {
      ConfigValue v = e.getValue();
      OptionSpec o = spec.findOption("--" + e.getKey());
      if (o == null
          || v.valueType() == ConfigValueType.NULL
          || ConfigOrigins.fromReference(v)
          || (pr != null && pr.hasMatchedOption(o))) {
        continue;
      }
      String path = ConfigUtil.joinPath(Settings.ROOT, section, e.getKey());
      o.setValue(convert(path, v, o));
      provenance.put("--" + e.getKey(), new String[] {path, ConfigOrigins.where(v.origin())});
    }
  }

  private static Object convert(String path, ConfigValue v, OptionSpec o) {
    Class<?> t = o.type();
    String text = v instanceof ConfigList ? null : ConfigOrigins.text(v);
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
          throw ConfigOrigins.bad(
              path, "must be a 32-bit integer, but was " + ConfigOrigins.show(v), v);
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
                : SettingsCheck.parseBoolean(requireScalar(path, v, text));
        if (b == null) {
          throw ConfigOrigins.bad(
              path, "must be true or false, but was " + ConfigOrigins.show(v), v);
        }
        return b;
      }
      if (List.class.isAssignableFrom(t)) {
        List<String> out = new ArrayList<>();
        if (v instanceof ConfigList l) {
          for (ConfigValue e : l) {
            out.add(ConfigOrigins.text(e).trim());
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
      throw ConfigOrigins.bad(path, "must be a number, but was " + ConfigOrigins.show(v), v);
    }
    throw ConfigOrigins.bad(
        path, "cannot be set from a configuration file (" + t.getSimpleName() + ")", v);
  }

  private static String requireScalar(String path, ConfigValue v, String text) {
    if (text == null || !SettingsCheck.isScalar(v)) {
      throw ConfigOrigins.bad(path, "must be a single value, but was " + ConfigOrigins.show(v), v);
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
    throw ConfigOrigins.bad(path, "must be an integer, but was " + ConfigOrigins.show(v), v);
  }
}

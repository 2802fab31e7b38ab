package dev.governor.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Validates the user's configuration against the reference: every key known (else the closest known
 * one is suggested), every value of its reference's type, and every policy section one that {@link
 * Policies#create} accepts. Each problem is one {@link UserException} naming the key, the value and
 * its origin.
 */
final class SettingsCheck {
  private final Config reference;

  /** Sorted known paths (sections and keys) of the reference configuration, for suggestions. */
  private final Set<String> known = new TreeSet<>();

  SettingsCheck(Config reference) {
    this.reference = reference;
    collect(reference.root(), new ArrayList<>());
  }

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
  void check(ConfigValue v, List<String> pathList) {
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
                + ConfigOrigins.where(userLeaf.origin())
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
          throw ConfigOrigins.bad(
              path, "must be " + article(ref) + ", but was a section {...}", leaf);
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
    if (ConfigOrigins.fromReference(v)) {
      return;
    }
    if (ref == ConfigValueType.OBJECT) {
      throw ConfigOrigins.bad(path, "is a section, but was set to " + ConfigOrigins.show(v), v);
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
    return ConfigOrigins.fromReference(v) ? null : v;
  }

  private static void checkType(String path, ConfigValueType ref, ConfigValue v) {
    ConfigValueType t = v.valueType();
    switch (ref) {
      case NUMBER -> {
        if (t != ConfigValueType.NUMBER
            && !(t == ConfigValueType.STRING && isNumber((String) v.unwrapped()))) {
          throw ConfigOrigins.bad(path, "must be a number, but was " + ConfigOrigins.show(v), v);
        }
      }
      case BOOLEAN -> {
        if (t != ConfigValueType.BOOLEAN
            && !(t == ConfigValueType.STRING && parseBoolean((String) v.unwrapped()) != null)) {
          throw ConfigOrigins.bad(
              path, "must be true or false, but was " + ConfigOrigins.show(v), v);
        }
      }
      case LIST -> {
        if (t != ConfigValueType.LIST && t != ConfigValueType.STRING) {
          throw ConfigOrigins.bad(path, "must be a list, but was " + ConfigOrigins.show(v), v);
        }
        if (v instanceof ConfigList l) {
          for (ConfigValue e : l) {
            if (!isScalar(e)) {
              throw ConfigOrigins.bad(
                  path, "must be a list of values, but was " + ConfigOrigins.show(v), v);
            }
          }
        }
      }
      default -> {
        if (!isScalar(v)) {
          throw ConfigOrigins.bad(
              path, "must be a single value, but was " + ConfigOrigins.show(v), v);
        }
      }
    }
  }

  static boolean isScalar(ConfigValue v) {
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

  static Boolean parseBoolean(String s) {
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
  void checkPolicies(Config effective) {
    if (!effective.hasPath(Settings.POLICY)) {
      return;
    }
    for (String name : new TreeSet<>(effective.getObject(Settings.POLICY).keySet())) {
      PolicySpec spec = PolicySpec.of(name);
      Map<String, String[]> origins = new TreeMap<>();
      for (Map.Entry<String, ConfigValue> e : Settings.userOptions(effective, name).entrySet()) {
        spec = spec.with(e.getKey(), ConfigOrigins.text(e.getValue()));
        origins.put(
            name + "." + e.getKey(),
            new String[] {
              Settings.optionPath(name, e.getKey()), ConfigOrigins.where(e.getValue().origin())
            });
      }
      if (origins.isEmpty()) {
        continue;
      }
      try {
        Policies.create(spec);
      } catch (IllegalArgumentException e) {
        String m = ConfigOrigins.rewrite(origins, e.getMessage());
        throw new UserException(
            m.equals(e.getMessage())
                ? Settings.POLICY
                    + "."
                    + name
                    + ": "
                    + m
                    + " (with the options set in the configuration)"
                : m);
      }
    }
  }
}

package dev.governor.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where a configuration value came from and how messages spell it: an origin as {@code file: line},
 * {@code -Dkey} or the module of a {@code reference.conf}; a value as the user wrote it; a Typesafe
 * error as one line; a command's error re-worded to name the key and origin.
 */
final class ConfigOrigins {
  private ConfigOrigins() {}

  /** Whether a value comes from a {@code reference.conf} (a built-in default). */
  static boolean fromReference(ConfigValue v) {
    String r = v.origin().resource();
    return r != null && r.endsWith("reference.conf");
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

  /** The error for a bad value: {@code path what (from origin)}. */
  static UserException bad(String path, String what, ConfigValue v) {
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
   * Re-words {@code message} when it starts with one of the keys of {@code origins} (a flag or a
   * policy option): the key becomes its configuration path and the origin is added.
   */
  static String rewrite(Map<String, String[]> origins, String message) {
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

package dev.governor.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor config}: prints the effective configuration — the built-in defaults of every
 * module's {@code reference.conf}, overridden by {@code --config} and {@code -D} — resolved, each
 * value with its origin in a comment.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Print the effective configuration (reference.conf defaults, then --config FILE, then -D "
          + "keys), resolved, with each value's origin in a comment.",
      "Keys: governor.<command>.<flag> is the default of that command's --<flag>; "
          + "governor.policy.<name>.<option> an option of policy <name>. Flags override both.",
      "",
      "Example: governor config --config my.conf --path governor.policy.pi",
      ""
    },
    footer = {"", "Exit codes: 0 ok, 2 bad configuration (one line names the key and its origin)."})
public final class ConfigCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON (no comments) instead of HOCON.")
  boolean json;

  @Option(
      names = "--path",
      paramLabel = "KEY",
      description = "Print only this section or key, e.g. governor.simulate. Default governor.")
  String path = Settings.ROOT;

  @Option(names = "--docs", description = "Also print the documentation comments of the keys.")
  boolean docs;

  /** Lines {key = value, origin, doc comment} of every leaf at or below {@code path}, sorted. */
  private static void flatten(String path, ConfigValue v, List<String[]> lines) {
    if (v instanceof ConfigObject o) {
      for (Map.Entry<String, ConfigValue> e : new TreeMap<>(o).entrySet()) {
        flatten(
            path
                + "."
                + ConfigUtil.quoteString(e.getKey()).replaceAll("^\"([A-Za-z0-9_-]+)\"$", "$1"),
            e.getValue(),
            lines);
      }
      return;
    }
    String value = v == null ? "null" : v.render(ConfigRenderOptions.concise());
    String doc = null;
    if (v != null && !v.origin().comments().isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (String c : v.origin().comments()) {
        sb.append(sb.length() == 0 ? "" : "\n").append("#").append(c);
      }
      doc = sb.toString();
    }
    lines.add(
        new String[] {path + " = " + value, v == null ? "" : ConfigOrigins.where(v.origin()), doc});
  }

  @Override
  public Integer call() {
    Settings s = Settings.of(spec);
    Config c = s.config();
    ConfigValue v;
    try {
      if (!c.hasPathOrNull(path)) {
        String hint = s.suggest(path);
        throw new UserException(
            "--path "
                + path
                + " is not a configuration key"
                + (hint == null ? "" : " (did you mean " + hint + "?)"));
      }
      v = c.hasPath(path) ? c.getValue(path) : null;
      if (v == null) {
        // a null leaf: show it with its origin from the object holding it
        int dot = path.lastIndexOf('.');
        if (dot > 0 && c.hasPath(path.substring(0, dot))) {
          v = c.getObject(path.substring(0, dot)).get(path.substring(dot + 1));
        }
      }
    } catch (ConfigException.BadPath e) {
      throw new UserException("--path '" + path + "' is not a configuration path");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          v == null
              ? "null"
              : v.render(ConfigRenderOptions.concise().setJson(true).setFormatted(true)));
    } else {
      out.println(
          "# effective configuration"
              + (s.file() == null ? "" : " with --config " + s.file())
              + "; flags override it. After each value: where it came from.");
      List<String[]> lines = new ArrayList<>();
      flatten(path, v, lines);
      int width = 0;
      for (String[] l : lines) {
        width = Math.max(width, l[0].length());
      }
      for (String[] l : lines) {
        if (docs && l[2] != null) {
          out.println(l[2]);
        }
        out.println(String.format(Locale.ROOT, "%-" + width + "s  # %s", l[0], l[1]));
      }
    }
    out.flush();
    return 0;
  }
}

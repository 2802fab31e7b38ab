package dev.governor.telemetry;

import static dev.governor.telemetry.ForeignImport.COLUMNS;
import static dev.governor.telemetry.ForeignImport.DEFAULTS;
import static dev.governor.telemetry.ForeignRows.LOSS;
import static dev.governor.telemetry.ForeignRows.NCOL;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which tag of a foreign input feeds each of Governor's columns ({@link ForeignImport}): the tag
 * named with {@code --tag column=TAG}, else the first of the column's defaults ({@link
 * ForeignImport#DEFAULTS}) the input has; {@code loss} must be found. Also what {@code run.json}
 * records of the choice.
 */
final class TagMapping {
  final String[] tagOf = new String[NCOL];
  final Map<String, Integer> colOf = new HashMap<>();
  final List<String> notes = new ArrayList<>();

  TagMapping(Set<String> available, Map<String, String> explicit, String source) {
    // the explicit mappings first, so a default never takes a tag named with --tag
    for (int round = 0; round < 2; round++) {
      for (int c = 0; c < NCOL; c++) {
        if (explicit.containsKey(COLUMNS.get(c)) == (round == 0)) {
          resolve(c, available, explicit, source);
        }
      }
    }
    if (tagOf[LOSS] == null) {
      throw new TelemetryException(
          source
              + " has no tag for loss (tried "
              + DEFAULTS.get("loss")
              + "); its scalar tags: "
              + list(available)
              + "; name one with --tag loss=TAG");
    }
  }

  private void resolve(int c, Set<String> available, Map<String, String> explicit, String source) {
    String col = COLUMNS.get(c);
    String tag;
    if (explicit.containsKey(col)) {
      tag = explicit.get(col);
      if (tag.isEmpty()) {
        return;
      }
      if (!available.contains(tag)) {
        throw new TelemetryException(
            source
                + " has no scalar tag '"
                + tag
                + "' (--tag "
                + col
                + "="
                + tag
                + "); its scalar tags: "
                + list(available));
      }
    } else {
      List<String> present = new ArrayList<>();
      for (String d : DEFAULTS.get(col)) {
        if (d.startsWith("~")) {
          Pattern re = Pattern.compile(d.substring(1));
          for (String a : available) {
            if (re.matcher(a).matches() && !present.contains(a) && !colOf.containsKey(a)) {
              present.add(a);
            }
          }
        } else if (available.contains(d) && !colOf.containsKey(d)) {
          present.add(d);
        }
      }
      if (present.isEmpty()) {
        return;
      }
      tag = present.get(0);
      if (present.size() > 1) {
        notes.add(
            col
                + ": tag '"
                + tag
                + "' chosen; also present: "
                + String.join(", ", present.subList(1, present.size()))
                + " (choose with --tag "
                + col
                + "=TAG)");
      }
    }
    Integer other = colOf.put(tag, c);
    if (other != null) {
      throw new TelemetryException(
          source
              + ": tag '"
              + tag
              + "' is mapped to both "
              + COLUMNS.get(other)
              + " and "
              + col
              + "; map one of them elsewhere with --tag");
    }
    tagOf[c] = tag;
  }

  /** {@code import.tag.<column>} entries and the ignored tags, for run.json. */
  void describe(TreeMap<String, String> config, Set<String> available) {
    List<String> ignored = new ArrayList<>();
    for (String a : available) {
      if (!colOf.containsKey(a)) {
        ignored.add(a);
      }
    }
    for (int c = 0; c < NCOL; c++) {
      if (tagOf[c] != null) {
        config.put("import.tag." + COLUMNS.get(c), tagOf[c]);
      }
    }
    config.put("import.tags.ignored", list(ignored));
  }

  static String list(java.util.Collection<String> tags) {
    if (tags.isEmpty()) {
      return "(none)";
    }
    List<String> l = new ArrayList<>(tags);
    int shown = Math.min(40, l.size());
    String s = String.join(", ", l.subList(0, shown));
    return shown < l.size() ? s + ", ... (" + (l.size() - shown) + " more)" : s;
  }
}

package dev.governor.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Json;
import dev.governor.report.Num;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The goals a suite states, in one shape: {@code goals.<name> = {value, goal, met}} in {@code
 * summary.json}, one terminal line each, and a failure for every goal not met (the suite then exits
 * non-zero). A goal's threshold is fixed in the code before the run; a NaN value is never met.
 */
final class Goals {
  private Goals() {}

  /** Records a goal. */
  static void add(ObjectNode goals, String name, double value, String goal, boolean met) {
    ObjectNode g = goals.putObject(name);
    Json.put(g, "value", value);
    g.put("goal", goal);
    g.put("met", met && !Double.isNaN(value));
  }

  /** One line per goal. */
  static List<String> lines(ObjectNode goals) {
    List<String> out = new ArrayList<>();
    out.add("goals:");
    for (Map.Entry<String, JsonNode> e : goals.properties()) {
      JsonNode g = e.getValue();
      out.add(
          String.format(
              Locale.ROOT,
              "  %-44s %-7s value %s, goal %s",
              e.getKey(),
              g.get("met").asBoolean() ? "met" : "MISSED",
              g.get("value").isNull() ? "n/a" : Num.shortest(g.get("value").asDouble(), 4),
              g.get("goal").asText()));
    }
    return out;
  }

  /** The failures: one message per goal not met. */
  static List<String> failures(String suite, ObjectNode goals) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : goals.properties()) {
      JsonNode g = e.getValue();
      if (!g.get("met").asBoolean()) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s goal %s missed: %s (goal %s)",
                suite,
                e.getKey(),
                g.get("value").isNull() ? "n/a" : Num.shortest(g.get("value").asDouble(), 4),
                g.get("goal").asText()));
      }
    }
    return out;
  }
}

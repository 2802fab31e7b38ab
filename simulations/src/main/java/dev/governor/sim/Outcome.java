package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a simulation command produced: the {@code summary.json} tree, the HTML report, the lines of
 * the terminal table and whether a check failed.
 *
 * @param summary the summary tree
 * @param report the report
 * @param table terminal lines
 * @param failures the checks that failed (empty = all passed)
 */
public record Outcome(
    ObjectNode summary, HtmlPage report, List<String> table, List<String> failures) {

  /** Copies the lists. */
  public Outcome {
    table = List.copyOf(table);
    failures = List.copyOf(failures);
  }

  /**
   * The start of a suite's {@code summary.json}: {@code suite}, {@code quick}, {@code seeds} and
   * {@code steps}, in that order; the suite adds the rest.
   */
  static ObjectNode summaryHead(String suite, boolean quick, int seeds, long steps) {
    ObjectNode s = Json.object();
    s.put("suite", suite);
    s.put("quick", quick);
    s.put("seeds", seeds);
    s.put("steps", steps);
    return s;
  }

  /** Writes {@code summary.json} and {@code report.html} into {@code dir}. */
  public void write(Path dir) throws IOException {
    Json.write(dir.resolve("summary.json"), summary);
    report.write(dir.resolve("report.html"));
  }
}

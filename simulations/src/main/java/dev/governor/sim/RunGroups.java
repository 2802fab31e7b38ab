package dev.governor.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of a suite's runs grouped by label: a suite labels each {@link RunSpec} with the
 * parts of its cell ({@link #label}, e.g. problem, policy and LR index, joined by {@code |}), runs
 * them all at once ({@link Runner#runAll}) and reads each cell's results back with {@link #get}, in
 * the order the specs were given (seed order).
 */
final class RunGroups {
  private final Map<String, List<RunResult>> byLabel = new LinkedHashMap<>();

  private RunGroups(List<RunResult> results) {
    for (RunResult r : results) {
      byLabel.computeIfAbsent(r.spec().label(), x -> new ArrayList<>()).add(r);
    }
  }

  /** Groups {@code results} by their specs' labels. */
  static RunGroups of(List<RunResult> results) {
    return new RunGroups(results);
  }

  /** The label of a cell: its parts joined by {@code |}. */
  static String label(Object... parts) {
    StringBuilder b = new StringBuilder();
    for (Object p : parts) {
      if (b.length() > 0) {
        b.append('|');
      }
      b.append(p);
    }
    return b.toString();
  }

  /**
   * The results of the cell {@code parts}, in run order.
   *
   * @throws IllegalArgumentException naming the label when no run had it
   */
  List<RunResult> get(Object... parts) {
    String l = label(parts);
    List<RunResult> rs = byLabel.get(l);
    if (rs == null) {
      throw new IllegalArgumentException("no run is labelled '" + l + "'");
    }
    return rs;
  }
}

package dev.governor.telemetry;

import dev.governor.control.PolicySpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The provenance of a run, stored as {@code run.json}: what made it and how to make it again (STYLE
 * habit 10) — run id, the policy's spec, the full configuration, the seed every random stream was
 * split from, the versions of Governor, Java and Chronicle Queue, and the start time.
 *
 * <p>The start time is provenance for people; no logic reads it (replay rebuilds the policy from
 * {@link #policy()} alone). Immutable; the maps are copied, sorted and unmodifiable.
 *
 * @param runId the run's id: letters, digits, '.', '_' or '-'
 * @param policy the policy the run was controlled by
 * @param config the full configuration, flattened to dotted keys with text values
 * @param seed the run seed
 * @param versions component versions ({@code governor}, {@code java}, {@code chronicle-queue}, …)
 * @param startTime ISO-8601 instant the run started (provenance only), non-empty
 */
public record RunHeader(
    String runId,
    PolicySpec policy,
    Map<String, String> config,
    long seed,
    Map<String, String> versions,
    String startTime) {

  /** The schema version of {@code run.json} this code writes and reads. */
  public static final int SCHEMA = 1;

  /**
   * A valid run id made from the name of the folder {@code dir}: each character other than an ASCII
   * letter, digit, '.', '_' or '-' becomes '-', and {@code run-} is put in front when the result
   * does not start with a letter or digit ({@code runs/my run} → {@code my-run}, {@code _x} →
   * {@code run-_x}).
   */
  public static String idFor(Path dir) {
    Path name = dir.toAbsolutePath().normalize().getFileName();
    String id = (name == null ? "" : name.toString()).replaceAll("[^A-Za-z0-9._-]", "-");
    return id.isEmpty() || !Character.isLetterOrDigit(id.charAt(0)) ? "run-" + id : id;
  }

  /** Validates and copies. */
  public RunHeader {
    if (runId == null || !runId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException(
          "run id must be letters, digits, '.', '_' or '-', but was '" + runId + "'");
    }
    if (policy == null) {
      throw new IllegalArgumentException("run " + runId + " must name its policy, but was null");
    }
    config = copy(config, "config");
    versions = copy(versions, "versions");
    if (startTime == null || startTime.isBlank()) {
      throw new IllegalArgumentException(
          "run start time must be non-empty, but was '" + startTime + "'");
    }
  }

  private static Map<String, String> copy(Map<String, String> m, String name) {
    TreeMap<String, String> c = new TreeMap<>();
    if (m != null) {
      for (Map.Entry<String, String> e : m.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException(
              "run " + name + " must not hold null keys or values, but had " + e);
        }
        c.put(e.getKey(), e.getValue());
      }
    }
    return Collections.unmodifiableMap(c);
  }

  /**
   * A header for a run starting now, with the versions of this process ({@link
   * #currentVersions()}). Reads the wall clock for {@link #startTime()} only.
   */
  public static RunHeader of(
      String runId, PolicySpec policy, Map<String, String> config, long seed) {
    return new RunHeader(runId, policy, config, seed, currentVersions(), Instant.now().toString());
  }

  /** The versions of Governor, Java and Chronicle Queue in this process ("dev" when unknown). */
  public static Map<String, String> currentVersions() {
    TreeMap<String, String> v = new TreeMap<>();
    v.put("governor", orDev(RunHeader.class.getPackage().getImplementationVersion()));
    v.put("java", System.getProperty("java.version", "unknown"));
    v.put(
        "chronicle-queue",
        orDev(
            net.openhft.chronicle.queue.ChronicleQueue.class
                .getPackage()
                .getImplementationVersion()));
    v.put("record-schema", Integer.toString(Records.VERSION));
    return v;
  }

  private static String orDev(String v) {
    return v == null ? "dev" : v;
  }

  /** A copy with another run id (e.g. for a counterfactual run folder). */
  public RunHeader withRunId(String id) {
    return new RunHeader(id, policy, config, seed, versions, startTime);
  }

  /** A copy with another policy. */
  public RunHeader withPolicy(PolicySpec p) {
    return new RunHeader(runId, p, config, seed, versions, startTime);
  }
}

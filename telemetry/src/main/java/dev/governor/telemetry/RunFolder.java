package dev.governor.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.report.AtomicFile;
import dev.governor.report.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One run's folder (docs/design.md, "On disk"):
 *
 * <pre>
 * runs/&lt;run-id&gt;/
 *   run.json       the {@link RunHeader}
 *   telemetry/     {@link TelemetryLog}
 *   decisions/     {@link DecisionLog}
 *   checkpoints/   model + controller state (written by trainers)
 *   summary.json   machine-readable results of the command that made the run
 *   report.html    human report with plots
 * </pre>
 *
 * <p>{@link #create} never overwrites a run ({@code run.json} present = refused) nor takes over the
 * queues of one, and refuses any other non-empty folder unless forced, so nothing already written
 * is lost; files are written to a temporary name and moved into place. Immutable; the logs it opens
 * belong to the caller (close them).
 */
public final class RunFolder {
  private static final ObjectMapper JSON = Json.MAPPER;

  private final Path dir;
  private final RunHeader header;

  private RunFolder(Path dir, RunHeader header) {
    this.dir = dir;
    this.header = header;
  }

  /**
   * Creates the folder (and its parents), its sub-folders and {@code run.json}; the folder must be
   * new or empty.
   *
   * @throws TelemetryException naming the folder when it already holds a run, is not empty, or
   *     cannot be written
   */
  public static RunFolder create(Path dir, RunHeader header) {
    return create(dir, header, false);
  }

  /**
   * Like {@link #create(Path, RunHeader)}; with {@code force} a folder holding other files is
   * accepted (they are kept), but never one holding a run ({@code run.json}) or a run's queues.
   *
   * @throws TelemetryException naming the folder and what it holds when it is refused
   */
  public static RunFolder create(Path dir, RunHeader header, boolean force) {
    Path abs = dir.toAbsolutePath().normalize();
    Path json = abs.resolve("run.json");
    if (Files.exists(json)) {
      throw new TelemetryException(
          "run folder " + abs + " already holds a run (run.json exists); choose another folder");
    }
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new TelemetryException("run folder " + abs + " is a file; choose a folder");
    }
    for (String q : new String[] {"telemetry", "decisions"}) {
      if (hasQueue(abs.resolve(q))) {
        throw new TelemetryException(
            "run folder "
                + abs
                + " holds the "
                + q
                + " queue of an earlier run (its run.json is missing); choose another folder");
      }
    }
    if (!force) {
      java.util.List<String> held = entries(abs);
      if (!held.isEmpty()) {
        throw new TelemetryException(
            "run folder "
                + abs
                + " is not empty (it holds "
                + firstNames(held)
                + "); choose a new folder, or pass --force to write the run into it");
      }
    }
    try {
      Files.createDirectories(abs.resolve("telemetry"));
      Files.createDirectories(abs.resolve("decisions"));
      Files.createDirectories(abs.resolve("checkpoints"));
    } catch (IOException e) {
      throw new TelemetryException("cannot create run folder " + abs + ": " + e, e);
    }
    writeAtomically(json, toJson(header));
    return new RunFolder(abs, header);
  }

  /**
   * The first three of {@code names} and how many more there are, as an error message lists what a
   * folder holds: {@code "a, b, c and 2 more"}.
   */
  public static String firstNames(java.util.List<String> names) {
    return String.join(", ", names.subList(0, Math.min(3, names.size())))
        + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
  }

  /** The names in {@code dir}, sorted; empty when it does not exist. */
  static java.util.List<String> entries(Path dir) {
    if (!Files.isDirectory(dir)) {
      return java.util.List.of();
    }
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new TelemetryException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The process writing this run, when another live process holds the writer lock of its telemetry
   * or decision queue: "telemetry queue written by pid 12 host h", else empty.
   */
  public java.util.Optional<String> liveWriter() {
    return liveWriter(telemetryDir(), decisionsDir());
  }

  /** Like {@link #liveWriter()}, for the decision queue only (the one a controller writes). */
  public java.util.Optional<String> liveDecisionWriter() {
    return liveWriter(decisionsDir());
  }

  private static java.util.Optional<String> liveWriter(Path... queues) {
    for (Path q : queues) {
      java.util.Optional<String> h = WriterLock.holder(q);
      if (h.isPresent()) {
        return java.util.Optional.of(
            q.getFileName()
                + " queue written by "
                + h.get()
                + " ("
                + q.resolve(WriterLock.FILE)
                + ")");
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * Opens an existing run folder and reads its header.
   *
   * @throws TelemetryException naming the file when the folder or {@code run.json} is missing or
   *     damaged
   */
  public static RunFolder open(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new TelemetryException("run folder not found: " + abs);
    }
    Path json = abs.resolve("run.json");
    if (!Files.isRegularFile(json)) {
      throw new TelemetryException("not a run folder: " + abs + " has no run.json");
    }
    return new RunFolder(abs, readHeader(json));
  }

  /** The folder (absolute). */
  public Path dir() {
    return dir;
  }

  /** The run's header as read from (or written to) {@code run.json}. */
  public RunHeader header() {
    return header;
  }

  public Path runJson() {
    return dir.resolve("run.json");
  }

  public Path telemetryDir() {
    return dir.resolve("telemetry");
  }

  public Path decisionsDir() {
    return dir.resolve("decisions");
  }

  public Path checkpointsDir() {
    return dir.resolve("checkpoints");
  }

  public Path summaryJson() {
    return dir.resolve("summary.json");
  }

  public Path reportHtml() {
    return dir.resolve("report.html");
  }

  /** Opens the telemetry queue for appending (creating it). */
  public TelemetryLog openTelemetry() {
    return TelemetryLog.open(telemetryDir());
  }

  /** Opens the telemetry queue read-only. */
  public TelemetryLog readTelemetry() {
    return TelemetryLog.openReadOnly(telemetryDir());
  }

  /** Opens the decision queue for appending (creating it). */
  public DecisionLog openDecisions() {
    return DecisionLog.open(decisionsDir());
  }

  /** Opens the decision queue read-only. */
  public DecisionLog readDecisions() {
    return DecisionLog.openReadOnly(decisionsDir());
  }

  /**
   * The run's observations in step order, from its telemetry queue opened read-only; closing the
   * stream closes the queue. Empty when the run has no telemetry queue.
   *
   * @throws TelemetryException naming the file, from the stream operation that reaches a damaged or
   *     foreign record
   */
  public Stream<Observation> observations() {
    return hasTelemetry() ? reading(readTelemetry(), TelemetryLog::observations) : Stream.empty();
  }

  /** Every record of the telemetry queue (observations and events); close the stream. */
  public Stream<LogRecord> telemetryRecords() {
    return hasTelemetry() ? reading(readTelemetry(), RecordLog::records) : Stream.empty();
  }

  /**
   * The run's decisions in queue order (copies), from its decision queue opened read-only; closing
   * the stream closes the queue. Empty when the run has no decision queue.
   */
  public Stream<Decision> decisions() {
    return hasDecisions() ? reading(readDecisions(), DecisionLog::decisions) : Stream.empty();
  }

  /** Every record of the decision queue (decisions and events); close the stream. */
  public Stream<LogRecord> decisionRecords() {
    return hasDecisions() ? reading(readDecisions(), RecordLog::records) : Stream.empty();
  }

  /** The step of the run's newest observation, or -1 when there is none. */
  public long lastObservedStep() {
    if (!hasTelemetry()) {
      return -1;
    }
    try (TelemetryLog log = readTelemetry()) {
      return log.lastObservedStep();
    }
  }

  /** The step of the run's newest decision, or -1 when there is none. */
  public long lastDecidedStep() {
    if (!hasDecisions()) {
      return -1;
    }
    try (DecisionLog log = readDecisions()) {
      return log.lastDecidedStep();
    }
  }

  /**
   * The step after which the run's telemetry is marked ended ({@link RecordLog#endedAfter}), or
   * empty when it is not (also when the run has no telemetry queue yet).
   */
  public OptionalLong endedAfter() {
    if (!hasTelemetry()) {
      return OptionalLong.empty();
    }
    try (TelemetryLog log = readTelemetry()) {
      return log.endedAfter();
    }
  }

  /**
   * Where the run stands for continuing it: its live writer, end mark and last observed and decided
   * steps, read now.
   */
  public ResumePoint resumePoint() {
    return new ResumePoint(dir, liveWriter(), endedAfter(), lastObservedStep(), lastDecidedStep());
  }

  /** {@code read} of {@code log}, closing the log with the stream (or at once if it fails). */
  private static <L extends RecordLog<?, ?>, T> Stream<T> reading(
      L log, java.util.function.Function<L, Stream<T>> read) {
    try {
      return read.apply(log).onClose(log::close);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
  }

  /**
   * Whether the decision queue holds queue files (a run may have telemetry only, e.g. imported).
   */
  public boolean hasDecisions() {
    return hasQueue(decisionsDir());
  }

  /** Whether the telemetry queue holds queue files. */
  public boolean hasTelemetry() {
    return hasQueue(telemetryDir());
  }

  private static boolean hasQueue(Path d) {
    if (!Files.isDirectory(d)) {
      return false;
    }
    try (var s = Files.list(d)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4t"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes {@code summary.json} (replacing an earlier summary) from a JSON-serializable value. */
  public void writeSummary(Object summary) {
    try {
      writeAtomically(summaryJson(), Json.PRETTY.writeValueAsString(summary) + "\n");
    } catch (JsonProcessingException e) {
      throw new TelemetryException(
          "cannot write " + summaryJson() + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Writes {@code report.html} (replacing an earlier report). */
  public void writeReport(String html) {
    writeAtomically(reportHtml(), html);
  }

  static void writeAtomically(Path target, String text) {
    try {
      AtomicFile.writeString(target, text);
    } catch (IOException e) {
      String why =
          e.getMessage() != null && e.getMessage().contains("No space left")
              ? "no space left on device"
              : e.toString();
      throw new TelemetryException("cannot write " + target + ": " + why, e);
    }
  }

  /** The JSON text of a header (schema {@link RunHeader#SCHEMA}). */
  static String toJson(RunHeader h) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema", RunHeader.SCHEMA);
    root.put("runId", h.runId());
    ObjectNode policy = root.putObject("policy");
    policy.put("name", h.policy().name());
    ObjectNode opts = policy.putObject("options");
    h.policy().options().forEach(opts::put);
    policy.put("text", h.policy().toString());
    root.put("seed", h.seed());
    ObjectNode config = root.putObject("config");
    h.config().forEach(config::put);
    ObjectNode versions = root.putObject("versions");
    h.versions().forEach(versions::put);
    root.put("startTime", h.startTime());
    try {
      return Json.PRETTY.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a {@code run.json}.
   *
   * @throws TelemetryException naming the file and the field when it is not a valid header
   */
  static RunHeader readHeader(Path json) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(json, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new TelemetryException(
          json + " is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '), e);
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + json + ": " + e, e);
    }
    if (root == null || !root.isObject()) {
      throw new TelemetryException(json + " must hold a JSON object, but was empty or not one");
    }
    try {
      int schema = intField(root, "schema");
      if (schema != RunHeader.SCHEMA) {
        throw new IllegalArgumentException(
            "schema must be " + RunHeader.SCHEMA + ", but was " + schema);
      }
      JsonNode p = root.get("policy");
      if (p == null || !p.isObject()) {
        throw new IllegalArgumentException("policy must be an object with name and options");
      }
      String name = textField(p, "name");
      PolicySpec spec = PolicySpec.of(name, stringMap(p.get("options"), "policy.options"));
      long seed = longField(root, "seed");
      return new RunHeader(
          textField(root, "runId"),
          spec,
          stringMap(root.get("config"), "config"),
          seed,
          stringMap(root.get("versions"), "versions"),
          textField(root, "startTime"));
    } catch (IllegalArgumentException e) {
      throw new TelemetryException(json + ": " + e.getMessage(), e);
    }
  }

  private static String textField(JsonNode n, String f) {
    JsonNode v = n.get(f);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(f + " must be a string, but was " + v);
    }
    return v.asText();
  }

  private static long longField(JsonNode n, String f) {
    JsonNode v = n.get(f);
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(f + " must be an integer, but was " + v);
    }
    return v.asLong();
  }

  private static int intField(JsonNode n, String f) {
    JsonNode v = n.get(f);
    if (v == null || !v.isInt()) {
      throw new IllegalArgumentException(f + " must be an integer, but was " + v);
    }
    return v.asInt();
  }

  private static Map<String, String> stringMap(JsonNode n, String f) {
    TreeMap<String, String> m = new TreeMap<>();
    if (n == null || n.isNull()) {
      return m;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException(f + " must be an object, but was " + n);
    }
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw new IllegalArgumentException(
            f + "." + e.getKey() + " must be a value, but was " + e.getValue());
      }
      m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }

  @Override
  public String toString() {
    return "RunFolder[" + dir + ", " + header.runId() + "]";
  }
}

package dev.governor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.PolicySpec;
import dev.governor.report.Json;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.telemetry.TelemetryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --resume} protocol of {@code governor train}: which run folders can be continued (a
 * {@code governor train --plant} run that no live process writes and that is not marked ended, as
 * {@link RunFolder#resumePoint()} reads it), the options a new run stores in {@code run.json}'s
 * {@code args}, re-running {@code train} with them when {@code --resume} is given only the folder,
 * and refusing options that differ from the run's. Every refusal is one line.
 */
final class TrainResume {
  private TrainResume() {}

  /** Options that name the run's folder or its display, not what it computes (not in run.json). */
  private static final Set<String> NOT_IDENTITY =
      Set.of(
          "--out", "--run", "--resume", "--force", "--quiet", "--verbose", "--help", "--version");

  /**
   * run.json keys a resumed run may differ in: display only, or compared already under their own
   * name ({@code plant}, {@code steps}; a run written before they were configuration keys lacks
   * them).
   */
  private static final Set<String> NOT_COMPARED =
      Set.of("args", "governor.train.quiet", "governor.train.plant", "governor.train.steps");

  private static final ObjectMapper JSON = Json.MAPPER;

  /**
   * The options given that determine what the run computes, as name/value pairs in the order given
   * ({@code run.json}'s {@code args}: {@code --resume} with only a folder re-reads them).
   */
  static List<String> identityOptions(CommandSpec spec) {
    List<String> a = new ArrayList<>();
    for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
      if (NOT_IDENTITY.contains(o.longestName())) {
        continue;
      }
      for (String v : o.originalStringValues()) {
        a.add(o.longestName());
        a.add(v);
      }
    }
    return a;
  }

  /** {@link #identityOptions} as the JSON text of {@code run.json}'s {@code args}. */
  static String argsJson(CommandSpec spec) {
    try {
      return JSON.writeValueAsString(identityOptions(spec));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings is always JSON: " + e, e);
    }
  }

  /** Opens a run folder to continue, or says in one line why it cannot be continued. */
  static RunFolder openResumable(Path dir) {
    RunFolder f;
    try {
      f = RunFolder.open(dir);
    } catch (TelemetryException e) {
      throw new UserException("--resume: " + e.getMessage(), e);
    }
    if (!"train".equals(f.header().config().get("command"))
        || !f.header().config().containsKey("args")) {
      throw new UserException(
          "--resume: "
              + f.dir()
              + " is not a resumable run (its run.json was not written by 'governor train"
              + " --plant' of this version)");
    }
    f.resumePoint()
        .refusal()
        .ifPresent(
            why -> {
              throw new UserException("--resume: " + why);
            });
    return f;
  }

  /**
   * {@code --resume} with only the folder: runs {@code governor train} again with the options the
   * run was started with (run.json's {@code args}), the same error handling and output.
   */
  static int rerunWithStoredOptions(RunFolder f, boolean quiet, CommandSpec spec) {
    List<String> args = new ArrayList<>(List.of("train"));
    try {
      args.addAll(
          JSON.readValue(
              f.header().config().get("args"),
              JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
    } catch (JsonProcessingException e) {
      throw new UserException(
          "--resume: run.json of " + f.dir() + " has unreadable args: " + e.getOriginalMessage(),
          e);
    }
    args.addAll(List.of("--out", f.dir().toString(), "--resume"));
    if (quiet) {
      args.add("--quiet");
    }
    CommandLine cl = Main.commandLine();
    cl.setOut(spec.commandLine().getOut());
    cl.setErr(spec.commandLine().getErr());
    return cl.execute(args.toArray(String[]::new));
  }

  /** Refuses (one line) when the options of the resuming command differ from the run's. */
  static void requireSameOptions(
      RunFolder f, PolicySpec policySpec, long seed, Map<String, String> config) {
    RunHeader h = f.header();
    List<String> diffs = new ArrayList<>();
    if (!h.policy().toString().equals(policySpec.toString())) {
      diffs.add("policy " + policySpec + " (run: " + h.policy() + ")");
    }
    if (h.seed() != seed) {
      diffs.add("seed " + seed + " (run: " + h.seed() + ")");
    }
    for (Map.Entry<String, String> e : config.entrySet()) {
      if (NOT_COMPARED.contains(e.getKey())) {
        continue;
      }
      String had = h.config().get(e.getKey());
      if (!e.getValue().equals(had)) {
        diffs.add(e.getKey() + " " + e.getValue() + " (run: " + had + ")");
      }
    }
    if (!diffs.isEmpty()) {
      throw new UserException(
          "--resume: the options differ from run.json of "
              + f.dir()
              + ": "
              + String.join(", ", diffs));
    }
  }
}

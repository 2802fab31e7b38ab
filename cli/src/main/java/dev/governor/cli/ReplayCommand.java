package dev.governor.cli;

import dev.governor.control.PolicySpec;
import dev.governor.report.Num;
import dev.governor.telemetry.Replay;
import dev.governor.telemetry.RunFolder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor replay}: verify a run's decisions, or replay another policy over its telemetry.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Replay a run's recorded telemetry through a policy.",
      "",
      "  --run DIR --verify   rebuild the run's policy from run.json, feed it the recorded "
          + "observations and compare every decision bit for bit. Prints 'verified N/N "
          + "decisions', or the first mismatch (step, field, recorded, replayed) and exits 1.",
      "  --run DIR --policy SPEC --out DIR2   what another policy would have decided over the "
          + "same telemetry (open loop: its decisions never reach the trainer). DIR2 becomes a "
          + "run folder with its own decision queue; the clip rate and mean effective LR "
          + "η·min(1, c/‖g‖) of both are computed exactly from the recorded gradient norms.",
      "",
      "Exit codes: 0 ok, 1 a decision did not replay, 2 bad input (one line names it)."
    })
public final class ReplayCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run folder.")
  Path run;

  @Option(names = "--verify", description = "Verify the recorded decisions bit for bit.")
  boolean verify;

  @Option(
      names = "--policy",
      paramLabel = "SPEC",
      description =
          "The other policy: a name or name(key=value, ...), e.g. cosine or "
              + "'constant(lr=0.05, clip=1)'. cosine/onecycle default t-max to the run's steps.")
  String policy;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "KEY=VALUE",
      description = "A policy option, repeatable (overrides the spec).")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(names = "--lr", paramLabel = "X", description = "Policy option lr.")
  String lr;

  @Option(names = "--clip", paramLabel = "X", description = "Policy option clip (inf = none).")
  String clip;

  @Option(names = "--wd", paramLabel = "X", description = "Policy option wd.")
  String wd;

  @Option(names = "--out", paramLabel = "DIR2", description = "The counterfactual run folder.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    if (verify == (policy != null)) {
      throw new UserException("give either --verify or --policy SPEC --out DIR2");
    }
    RunFolder folder = RunFolder.open(run);
    if (verify) {
      if (out != null || !options.isEmpty() || lr != null || clip != null || wd != null) {
        throw new UserException("--verify replays the run's own policy; drop --out and options");
      }
      Replay.Verification v = Replay.verify(folder);
      for (String note : v.notes()) {
        w.println("note: " + note);
      }
      if (v.ok()) {
        w.println("verified " + v.verified() + "/" + v.decisions() + " decisions");
        w.flush();
        return 0;
      }
      Replay.Mismatch m = v.mismatch().orElseThrow();
      w.println("mismatch at " + m);
      w.println(
          "verified "
              + v.verified()
              + "/"
              + v.decisions()
              + " decisions before the first mismatch (policy "
              + folder.header().policy()
              + ")");
      w.flush();
      return Main.EXIT_CHECK_FAILED;
    }
    if (out == null) {
      throw new UserException("--policy needs --out DIR2 (the counterfactual run folder)");
    }
    PolicySpec ps = PolicySpec.parse(policy);
    for (Map.Entry<String, String> e : options.entrySet()) {
      ps = ps.with(e.getKey(), e.getValue());
    }
    ps = lr == null ? ps : ps.with("lr", lr);
    ps = clip == null ? ps : ps.with("clip", clip);
    ps = wd == null ? ps : ps.with("wd", wd);
    if ((ps.name().equals("cosine") || ps.name().equals("onecycle")) && !ps.has("t-max")) {
      long steps;
      try (var tl = folder.readTelemetry()) {
        steps = tl.scan().observations();
      }
      ps = ps.with("t-max", Math.max(1, steps));
    }
    Replay.WhatIf r = Replay.counterfactual(folder, ps, out);
    w.println(
        "open-loop counterfactual: "
            + ps
            + " over the recorded telemetry of "
            + folder.header().runId()
            + " (recorded policy "
            + folder.header().policy()
            + ").");
    w.println(
        "Open loop: the other policy saw the recorded observations; its decisions never reached"
            + " the trainer, so this is what it would have decided, not what would have happened.");
    w.println("wrote " + r.decisions() + " decisions to " + r.out());
    w.println();
    w.printf(Locale.ROOT, "%-22s %16s %16s%n", "", "recorded", "counterfactual");
    w.printf(
        Locale.ROOT,
        "%-22s %16s %16s%n",
        "clip rate",
        Num.sig(r.recorded().clipRate(), 6, "n/a"),
        Num.sig(r.counterfactual().clipRate(), 6, "n/a"));
    w.printf(
        Locale.ROOT,
        "%-22s %16s %16s%n",
        "mean effective LR",
        Num.sig(r.recorded().meanEffectiveLr(), 6, "n/a"),
        Num.sig(r.counterfactual().meanEffectiveLr(), 6, "n/a"));
    w.printf(
        Locale.ROOT,
        "%-22s %16d %16d%n",
        "steps measured",
        r.recorded().measured(),
        r.counterfactual().measured());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("mode", "open-loop counterfactual");
    summary.put("source", folder.dir().toString());
    summary.put("recordedPolicy", folder.header().policy().toString());
    summary.put("policy", ps.toString());
    summary.put("decisions", r.decisions());
    summary.put("recorded", r.recorded());
    summary.put("counterfactual", r.counterfactual());
    RunFolder.open(r.out()).writeSummary(summary);
    w.flush();
    return 0;
  }
}

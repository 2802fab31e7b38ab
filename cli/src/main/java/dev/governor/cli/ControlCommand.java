package dev.governor.cli;

import dev.governor.actors.ActorRuntime;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor control}: the controller as a process of its own. Waits for the run folder to
 * appear, rebuilds the run's policy from {@code run.json}, resumes after the last decision in the
 * decision queue (restoring the policy's state from its snapshot and the recorded telemetry), then
 * tails the telemetry queue and appends a decision per observation until the trainer marks the run
 * ended.
 */
@Command(
    name = "control",
    mixinStandardHelpOptions = true,
    description = {
      "Run a run's controller out of process: tail DIR's telemetry queue, write its decision"
          + " queue, until the run ends. Start it before or after 'governor train --controller"
          + " external'; restart it after a crash and it resumes where the decision queue ends.",
      "Example: governor control --run runs/t1 --wait 60"
    })
public final class ControlCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "The run folder.")
  Path run;

  @Option(
      names = "--wait",
      description = "Seconds to wait for the run folder to appear (default 60).")
  double waitSeconds = 60;

  @Option(
      names = "--limit",
      description = "Stop after this many seconds even if the run has not ended (default: none).")
  Double limitSeconds;

  @Option(
      names = "--snapshot-every",
      description = "Policy snapshot period in decided steps, 0 = none (default 1000).")
  long snapshotEvery = 1000;

  @Override
  public Integer call() throws Exception {
    if (!(waitSeconds >= 0) || !Double.isFinite(waitSeconds)) {
      throw new UserException("--wait must be finite and >= 0 seconds, but was " + waitSeconds);
    }
    if (limitSeconds != null && !(limitSeconds > 0)) {
      throw new UserException("--limit must be > 0 seconds, but was " + limitSeconds);
    }
    UserException.requireAtLeast("--snapshot-every", snapshotEvery, 0);
    PrintWriter out = spec.commandLine().getOut();
    Path json = run.resolve("run.json");
    long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
    while (!Files.isRegularFile(json)) {
      if (System.nanoTime() - deadline > 0) {
        throw new UserException(
            "run folder "
                + run.toAbsolutePath().normalize()
                + " did not appear within "
                + waitSeconds
                + " s (no run.json)");
      }
      TimeUnit.MILLISECONDS.sleep(20); // waiting for another process, not for our own behaviour
    }
    RunFolder folder;
    try {
      folder = RunFolder.open(run);
    } catch (TelemetryException e) {
      throw new UserException(e.getMessage(), e);
    }
    PolicySpec policy = folder.header().policy();
    Policies.create(policy); // a policy this build does not know: one line, exit 2
    folder
        .liveDecisionWriter()
        .ifPresent(
            w -> {
              throw new UserException(
                  "run " + folder.dir() + " already has a controller: " + w + "; one per run");
            });
    OptionalLong endMark = folder.endedAfter();
    if (endMark.isPresent() && folder.lastDecidedStep() >= endMark.getAsLong()) {
      long endStep = endMark.getAsLong();
      out.println(
          "control: run "
              + folder.dir()
              + " has already ended (after step "
              + endStep
              + "); every observation has its decision");
      out.flush();
      return 0;
    }
    Duration limit =
        limitSeconds == null
            ? Duration.ofDays(3650)
            : Duration.ofMillis((long) (limitSeconds * 1e3));
    boolean ended =
        ActorRuntime.control(folder.dir(), () -> Policies.create(policy), snapshotEvery, limit);
    if (!ended) {
      out.println("control: stopped after --limit " + limitSeconds + " s; the run had not ended");
      out.flush();
      return Main.EXIT_CHECK_FAILED;
    }
    out.println("control: run " + folder.dir() + " ended; every observation has its decision");
    out.flush();
    return 0;
  }
}

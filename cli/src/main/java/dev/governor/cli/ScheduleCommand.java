package dev.governor.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.report.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor schedule}: prints an open-loop policy's hyperparameters step by step. Step 0 is
 * the policy's initial value; step {@code t} is its decision after observing step {@code t − 1}
 * (synthetic observations carrying only the step index).
 */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Print an open-loop policy's learning rate, clip threshold and weight decay step by step.",
      "Step t is the value applied at step t (PyTorch: after t calls of scheduler.step()); "
          + "step 0 is the initial value.",
      "Open-loop policies: constant, step, exponential, cosine, sgdr, warmup, onecycle.",
      "",
      "Example: governor schedule --policy sgdr --lr 0.1 --lr-min 0.001 --t0 10 --t-mult 2 "
          + "--steps 40",
      ""
    },
    footer = {
      "",
      "Output: csv has the header step,lr,clip,wd (clip 'inf' = no clipping); json is "
          + "{\"policy\": SPEC, \"rows\": [{\"step\", \"lr\", \"clip\" (\"Infinity\" = no clipping), "
          + "\"wd\"}, ...]}.",
      "Output stops when its reader goes away (e.g. '| head -1').",
      "Exit codes: 0 ok, 2 bad option (one line names it)."
    })
public final class ScheduleCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--policy",
      paramLabel = "NAME",
      description =
          "Open-loop policy: constant, step, exponential, cosine, sgdr, warmup (linear warm-up of "
              + "--schedule, default constant), onecycle. May carry options in the spec form "
              + "name(key=value, ...); the flags below override them.")
  String policy;

  @Option(
      names = "--lr",
      paramLabel = "X",
      description = "Initial (maximum) learning rate, > 0. Default 0.1.")
  Double lr;

  @Option(
      names = "--lr-min",
      paramLabel = "X",
      description = "Minimum learning rate of cosine / sgdr, in [0, lr]. Default 0.")
  Double lrMin;

  @Option(
      names = "--t0",
      paramLabel = "N",
      description = "sgdr: length of the first cycle in steps, >= 1. Default 100.")
  Long t0;

  @Option(
      names = "--t-mult",
      paramLabel = "N",
      description = "sgdr: integer cycle-length multiplier at each restart, >= 1. Default 1.")
  Long tMult;

  @Option(
      names = "--t-max",
      paramLabel = "N",
      description =
          "cosine: steps of the half period; onecycle: total steps. >= 1. Default: --steps.")
  Long tMax;

  @Option(
      names = "--step-size",
      paramLabel = "N",
      description = "step: steps between decays, >= 1. Default 1000.")
  Long stepSize;

  @Option(
      names = "--gamma",
      paramLabel = "X",
      description = "step / exponential: decay factor in (0, 1]. Default 0.1 / 0.999.")
  Double gamma;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      description = "Linear warm-up steps applied to any schedule, >= 0. Default 0.")
  Long warmup;

  @Option(
      names = "--schedule",
      paramLabel = "NAME",
      description = "warmup: the schedule it wraps. Default constant.")
  String schedule;

  @Option(
      names = "--clip",
      paramLabel = "X",
      description = "Fixed gradient-clip threshold, > 0 or inf (no clipping). Default inf.")
  String clip;

  @Option(
      names = "--wd",
      paramLabel = "X",
      description = "Fixed (decoupled) weight decay, >= 0. Default 0.")
  Double wd;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "KEY=VALUE",
      description =
          "Any other policy option, repeatable, e.g. -o pct-start=0.25 -o div-factor=10 "
              + "(onecycle).")
  Map<String, String> extra = new LinkedHashMap<>();

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Number of steps to print (rows 0 .. N-1), >= 1. Required.")
  Long steps;

  @Option(names = "--format", paramLabel = "FMT", description = "csv (default) or json.")
  String format = "csv";

  @Override
  public Integer call() throws IOException {
    Settings.bind(spec, "schedule");
    if (policy == null || steps == null) {
      throw new UserException(
          (policy == null ? "--policy" : "--steps")
              + " is required (or governor.schedule."
              + (policy == null ? "policy" : "steps")
              + " in --config)");
    }
    if (steps < 1) {
      throw new UserException("--steps must be an integer >= 1, but was " + steps);
    }
    if (!format.equals("csv") && !format.equals("json")) {
      throw new UserException("--format must be csv or json, but was '" + format + "'");
    }
    PolicySpec ps = specFromFlags();
    if (!Policies.openLoopNames().contains(ps.name())) {
      throw new UserException(
          "--policy must be an open-loop policy "
              + Policies.openLoopNames()
              + ", but was '"
              + ps.name()
              + "'"
              + (Policies.names().contains(ps.name())
                  ? " (it reads measurements; use governor simulate or train)"
                  : ""));
    }
    Policy p = Policies.create(ps);
    if (!p.openLoop()) {
      throw new UserException(
          "--policy "
              + ps
              + " reads measurements (its safety gear: guard, safety-cut or an adaptive clip);"
              + " use governor simulate or train, or gear=off");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("csv")) {
      writeCsv(p, out);
    } else {
      writeJson(p, out);
    }
    out.flush();
    return 0;
  }

  /** The policy spec: --policy text, then -o options, then the named flags. */
  PolicySpec specFromFlags() {
    PolicySpec ps = Settings.of(spec).policy(PolicySpec.parse(policy));
    for (Map.Entry<String, String> e : extra.entrySet()) {
      ps = ps.with(e.getKey(), e.getValue());
    }
    ps = put(ps, "lr", lr);
    ps = put(ps, "lr-min", lrMin);
    ps = put(ps, "t0", t0);
    ps = put(ps, "t-mult", tMult);
    ps = put(ps, "t-max", tMax);
    ps = put(ps, "step-size", stepSize);
    ps = put(ps, "gamma", gamma);
    ps = put(ps, "warmup", warmup);
    ps = put(ps, "schedule", schedule);
    ps = put(ps, "clip", clip);
    ps = put(ps, "wd", wd);
    if (List.of("cosine", "onecycle").contains(ps.name())
        || (ps.name().equals("warmup")
            && List.of("cosine", "onecycle").contains(ps.getString("schedule", "")))) {
      if (!ps.has("t-max")) {
        ps = ps.with("t-max", steps);
      }
    }
    return ps;
  }

  private static PolicySpec put(PolicySpec ps, String key, Object v) {
    return v == null ? ps : ps.with(key, v);
  }

  private void writeCsv(Policy p, PrintWriter out) {
    out.println("step,lr,clip,wd");
    Decision d = new Decision().set(p.initial());
    d.step = -1;
    for (long t = 0; t < steps; t++) {
      if (closed(out, t)) {
        return;
      }
      if (t > 0) {
        p.decide(Observation.builder(t - 1).build(), d);
      }
      out.print(t);
      out.print(',');
      out.print(d.lr);
      out.print(',');
      out.print(Double.isInfinite(d.clip) ? "inf" : Double.toString(d.clip));
      out.print(',');
      out.println(d.weightDecay);
    }
  }

  private void writeJson(Policy p, PrintWriter out) throws IOException {
    JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    g.writeStringField("policy", p.spec().toString());
    g.writeArrayFieldStart("rows");
    Decision d = new Decision().set(p.initial());
    for (long t = 0; t < steps; t++) {
      if ((t & (CHECK_EVERY - 1)) == 0) {
        g.flush();
        if (closed(out, t)) {
          return;
        }
      }
      if (t > 0) {
        p.decide(Observation.builder(t - 1).build(), d);
      }
      g.writeStartObject();
      g.writeNumberField("step", t);
      g.writeNumberField("lr", d.lr);
      g.writeNumberField("clip", d.clip);
      g.writeNumberField("wd", d.weightDecay);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
    g.flush();
    out.println();
  }

  /** Rows between checks of the output stream. */
  private static final long CHECK_EVERY = 4096;

  /**
   * Whether the output was closed (a reader such as {@code head} went away): checked every {@link
   * #CHECK_EVERY} rows, so a schedule of any length stops soon after its reader does.
   */
  private static boolean closed(PrintWriter out, long t) {
    return (t & (CHECK_EVERY - 1)) == 0 && t > 0 && out.checkError();
  }
}

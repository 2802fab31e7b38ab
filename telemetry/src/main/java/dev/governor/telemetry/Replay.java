package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Replays a run's recorded telemetry through a policy: {@link #verify} checks that the run's own
 * policy makes the recorded decisions again, bit for bit; {@link #counterfactual} asks what another
 * policy would have decided over the same telemetry (open loop); {@link #clipStats} computes
 * exactly, from the recorded gradient norms, what clip rate and effective learning rate a fixed
 * clip threshold would have given.
 *
 * <p>Observations are fed in queue order (the order the controller saw them), one decision per
 * observation. A step decided more than once (a controller that restarted from a snapshot and
 * re-made decisions it had already recorded, after a {@link EventKind#RESTART} event) counts once,
 * by its latest decision; the decisions for one step must be identical, or that is a mismatch.
 * Nothing here reads the wall clock except {@link RunHeader#of} for the provenance of a
 * counterfactual run folder.
 */
public final class Replay {
  private Replay() {}

  /**
   * The first difference between a recorded and a replayed decision, or between two recorded
   * decisions for the same step.
   *
   * @param step the step of the observation the decision followed
   * @param field the field that differs ({@code lr}, {@code clip}, {@code lrIntegral}, …)
   * @param recorded the recorded value, as text (when {@code redecided}: of the first decision)
   * @param replayed the replayed value, as text (when {@code redecided}: the value of a later
   *     recorded decision for the same step)
   * @param redecided whether the step was decided twice, differently (a controller restart re-made
   *     the decision and got another answer); the replay was not consulted
   */
  public record Mismatch(
      long step, String field, String recorded, String replayed, boolean redecided) {
    /** A difference between a recorded and a replayed decision. */
    public Mismatch(long step, String field, String recorded, String replayed) {
      this(step, field, recorded, replayed, false);
    }

    @Override
    public String toString() {
      return redecided
          ? "step "
              + step
              + ", field "
              + field
              + ": decided twice differently, first "
              + recorded
              + ", again "
              + replayed
          : "step "
              + step
              + ", field "
              + field
              + ": recorded "
              + recorded
              + ", replayed "
              + replayed;
    }
  }

  /**
   * The outcome of {@link #verify}.
   *
   * @param verified decisions replayed identically (up to the mismatch, if any)
   * @param observations observations read
   * @param decisions recorded decisions read
   * @param mismatch the first mismatch, or empty when every decision matched
   * @param notes things a user should know that are not mismatches (torn tails, telemetry after the
   *     last decision)
   */
  public record Verification(
      long verified,
      long observations,
      long decisions,
      Optional<Mismatch> mismatch,
      List<String> notes) {
    public Verification {
      notes = List.copyOf(notes);
    }

    /** Whether every recorded decision replayed bit for bit. */
    public boolean ok() {
      return mismatch.isEmpty();
    }
  }

  /**
   * Clip rate and effective learning rate over a run's steps, for one assignment of learning rates
   * and clip thresholds to steps.
   *
   * @param steps steps seen
   * @param measured steps whose effective LR is defined (gradient norm, LR and clip all known)
   * @param clipped steps among {@code measured} whose gradient norm exceeded the threshold
   * @param clipRate {@code clipped / measured}; NaN when nothing was measured
   * @param meanEffectiveLr mean of η·min(1, c/‖g‖) over the measured steps; NaN when none
   */
  public record ClipStats(
      long steps, long measured, long clipped, double clipRate, double meanEffectiveLr) {}

  /**
   * The outcome of {@link #counterfactual}.
   *
   * @param out the counterfactual run folder
   * @param policy the policy that was replayed
   * @param decisions decisions written to {@code out}
   * @param recorded clip statistics of the recorded run (the LR and clip applied at each step)
   * @param counterfactual clip statistics had the other policy's LR and clip been applied to the
   *     recorded gradient norms (open loop: the gradients are the recorded ones)
   */
  public record WhatIf(
      Path out, PolicySpec policy, long decisions, ClipStats recorded, ClipStats counterfactual) {}

  /** Accumulates {@link ClipStats}; NaN-safe. */
  static final class ClipAccumulator {
    private long steps;
    private long measured;
    private long clipped;
    private double sumEff;

    /**
     * Adds one step. A NaN learning rate, clip or gradient norm makes the step unmeasured (it
     * counts in {@code steps} only); an infinite gradient norm with a finite clip has effective LR
     * 0.
     */
    void add(double lr, double clip, double gradNorm) {
      steps++;
      double eff = Hyperparameters.effectiveLr(lr, clip, gradNorm);
      if (Double.isNaN(eff)) {
        return;
      }
      measured++;
      if (gradNorm > clip) {
        clipped++;
      }
      sumEff += eff;
    }

    ClipStats stats() {
      return new ClipStats(
          steps,
          measured,
          clipped,
          measured == 0 ? Double.NaN : (double) clipped / measured,
          measured == 0 ? Double.NaN : sumEff / measured);
    }
  }

  /**
   * Rebuilds the run's policy from its {@code run.json} and verifies the recorded decisions.
   *
   * @throws TelemetryException when a queue is missing, damaged or foreign
   * @throws IllegalArgumentException when the recorded policy cannot be built (names the option)
   */
  public static Verification verify(RunFolder run) {
    requireDecisions(run);
    return verify(run, Policies.create(run.header().policy()));
  }

  /**
   * Feeds the run's recorded observations to {@code policy} (fresh state) and compares each
   * decision with the recorded one, field by field: step, lr, clip, weight decay, action,
   * multipliers, every controller internal and the fault count. Doubles compare by their bits
   * ({@link Double#doubleToLongBits}, so any NaN equals any NaN). Stops at the first mismatch.
   *
   * @throws TelemetryException when a queue is missing, damaged or foreign
   */
  public static Verification verify(RunFolder run, Policy policy) {
    requireDecisions(run);
    List<String> notes = new ArrayList<>();
    try (TelemetryLog tl = run.readTelemetry();
        DecisionLog dl = run.readDecisions();
        Stream<Observation> observed = tl.observations();
        Stream<Decision> decided = dl.decisions()) {
      tl.scan().tornTail().ifPresent(t -> notes.add("telemetry: " + t));
      dl.scan().tornTail().ifPresent(t -> notes.add("decisions: " + t));
      Redecisions again = Redecisions.scan(dl);
      if (again.restarts > 0 || again.count > 0) {
        notes.add(
            again.restarts
                + " controller restart(s) (RESTART events); "
                + again.count
                + " decision(s) were made again for steps already decided"
                + (again.count > 0 ? " (each compared with the first; the latest counts)" : ""));
      }
      Iterator<Observation> tt = observed.iterator();
      Iterator<Decision> dt = decided.iterator();
      Decision recorded;
      Decision replayed = new Decision();
      long verified = 0;
      long observations = 0;
      long decisions = 0;
      long lastDecided = -1;
      while (tt.hasNext()) {
        Observation o = tt.next();
        observations++;
        recorded = nextFirst(dt, lastDecided);
        if (recorded == null) {
          long extra = 1;
          for (; tt.hasNext(); tt.next()) {
            extra++;
          }
          observations += extra - 1;
          notes.add(
              extra
                  + " observation(s) from step "
                  + o.step()
                  + " on have no recorded decision (the run stopped before deciding)");
          break;
        }
        decisions++;
        lastDecided = recorded.step;
        List<Decision> later = again.later.get(recorded.step);
        if (later != null) {
          for (Decision d : later) {
            Mismatch c = compare(recorded, d);
            if (c != null) {
              Mismatch m = new Mismatch(c.step(), c.field(), c.recorded(), c.replayed(), true);
              return new Verification(verified, observations, decisions, Optional.of(m), notes);
            }
          }
          recorded.copyFrom(later.get(later.size() - 1));
        }
        policy.decide(o, replayed);
        Mismatch m = compare(recorded, replayed);
        if (m != null) {
          return new Verification(verified, observations, decisions, Optional.of(m), notes);
        }
        verified++;
      }
      recorded = nextFirst(dt, lastDecided);
      if (recorded != null) {
        decisions++;
        Mismatch m =
            new Mismatch(
                recorded.step, "observation", "a decision", "no observation to replay it from");
        return new Verification(verified, observations, decisions, Optional.of(m), notes);
      }
      return new Verification(verified, observations, decisions, Optional.empty(), notes);
    }
  }

  /**
   * The next decision for a step after {@code after}, skipping decisions made again for steps
   * already decided ({@link Redecisions} holds those); null when there is none.
   */
  private static Decision nextFirst(Iterator<Decision> dt, long after) {
    while (dt.hasNext()) {
      Decision d = dt.next();
      if (d.step > after) {
        return d;
      }
    }
    return null;
  }

  /**
   * A first pass over a decision queue: every decision for a step at or below the highest step
   * decided before it (a decision made again after a controller restart), kept by step in queue
   * order, and the number of {@link EventKind#RESTART} events. Only the re-made decisions are
   * copied, so memory grows with the restarts' overlap, not with the run.
   */
  static final class Redecisions implements RecordHandler {
    final Map<Long, List<Decision>> later = new HashMap<>();
    long count;
    long restarts;
    private long highest = -1;

    static Redecisions scan(DecisionLog log) {
      Redecisions r = new Redecisions();
      try (DecisionLog.Tailer t = log.tailer()) {
        t.drain(r);
      }
      return r;
    }

    @Override
    public void decision(Decision d) {
      if (d.step <= highest) {
        later.computeIfAbsent(d.step, k -> new ArrayList<>()).add(new Decision().copyFrom(d));
        count++;
      } else {
        highest = d.step;
      }
    }

    @Override
    public void event(Event e) {
      if (e.kind() == EventKind.RESTART) {
        restarts++;
      }
    }
  }

  private static void requireDecisions(RunFolder run) {
    if (!run.hasDecisions()) {
      throw new TelemetryException(
          "run "
              + run.dir()
              + " has no decisions to verify (decisions/ is empty; an imported run? replay it"
              + " with --policy instead)");
    }
  }

  /** The first field in which two decisions differ, or null. */
  static Mismatch compare(Decision rec, Decision rep) {
    long s = rec.step;
    if (rec.step != rep.step) {
      return new Mismatch(s, "step", "" + rec.step, "" + rep.step);
    }
    Mismatch m;
    if ((m = cmp(s, "lr", rec.lr, rep.lr)) != null
        || (m = cmp(s, "clip", rec.clip, rep.clip)) != null
        || (m = cmp(s, "weightDecay", rec.weightDecay, rep.weightDecay)) != null) {
      return m;
    }
    if (rec.action != rep.action) {
      return new Mismatch(s, "action", "" + rec.action, "" + rep.action);
    }
    if (rec.layerCount != rep.layerCount) {
      return new Mismatch(s, "layerCount", "" + rec.layerCount, "" + rep.layerCount);
    }
    for (int i = 0; i < rec.layerCount; i++) {
      m =
          cmp(
              s,
              "layerLrMultipliers[" + i + "]",
              rec.layerLrMultipliers[i],
              rep.layerLrMultipliers[i]);
      if (m != null) {
        return m;
      }
    }
    if ((m = cmp(s, "lrMeasurement", rec.lrMeasurement, rep.lrMeasurement)) != null
        || (m = cmp(s, "lrError", rec.lrError, rep.lrError)) != null
        || (m = cmp(s, "lrIntegral", rec.lrIntegral, rep.lrIntegral)) != null
        || (m = cmp(s, "clipMeasurement", rec.clipMeasurement, rep.clipMeasurement)) != null
        || (m = cmp(s, "clipError", rec.clipError, rep.clipError)) != null
        || (m = cmp(s, "clipIntegral", rec.clipIntegral, rep.clipIntegral)) != null
        || (m = cmp(s, "wdMeasurement", rec.wdMeasurement, rep.wdMeasurement)) != null
        || (m = cmp(s, "wdError", rec.wdError, rep.wdError)) != null
        || (m = cmp(s, "wdIntegral", rec.wdIntegral, rep.wdIntegral)) != null
        || (m = cmp(s, "lossZ", rec.lossZ, rep.lossZ)) != null
        || (m = cmp(s, "gradZ", rec.gradZ, rep.gradZ)) != null) {
      return m;
    }
    if (rec.faults != rep.faults) {
      return new Mismatch(s, "faults", "" + rec.faults, "" + rep.faults);
    }
    return null;
  }

  private static Mismatch cmp(long step, String field, double rec, double rep) {
    if (Double.doubleToLongBits(rec) == Double.doubleToLongBits(rep)) {
      return null;
    }
    return new Mismatch(step, field, exact(rec), exact(rep));
  }

  /** A double as its shortest round-trip text plus its bits, so 1-ulp differences are visible. */
  static String exact(double v) {
    return v + " (0x" + Long.toHexString(Double.doubleToRawLongBits(v)) + ")";
  }

  /**
   * Runs {@code spec}'s policy open loop over {@code run}'s telemetry and writes a new run folder
   * {@code outDir}: its {@code run.json} names the other policy and the source run, its telemetry
   * queue is a copy of the recorded observations and events, its decision queue holds the other
   * policy's decisions. Also computes the clip statistics of both (see {@link WhatIf}).
   *
   * <p>Open loop: the other policy sees the telemetry the recorded policy produced; its decisions
   * never reach a trainer, so the result says what it would have decided, not what would have
   * happened.
   *
   * @throws TelemetryException when the run cannot be read or {@code outDir} already holds a run
   * @throws IllegalArgumentException when the policy spec is invalid (names the option)
   */
  public static WhatIf counterfactual(RunFolder run, PolicySpec spec, Path outDir) {
    Policy policy = Policies.create(spec);
    String id = outDir.toAbsolutePath().normalize().getFileName().toString();
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      id = run.header().runId() + "-whatif";
    }
    TreeMap<String, String> config = new TreeMap<>(run.header().config());
    config.put("replay.source", run.dir().toString());
    config.put("replay.source-run-id", run.header().runId());
    config.put("replay.source-policy", run.header().policy().toString());
    config.put("replay.mode", "open-loop counterfactual");
    RunHeader header = RunHeader.of(id, spec, config, run.header().seed());
    try (TelemetryLog in = run.readTelemetry();
        Stream<LogRecord> records = in.records()) {
      RunFolder out = RunFolder.create(outDir, header);
      ClipAccumulator rec = new ClipAccumulator();
      ClipAccumulator cf = new ClipAccumulator();
      long decisions = 0;
      try (TelemetryLog ot = out.openTelemetry();
          DecisionLog od = out.openDecisions();
          TelemetryLog.Appender ta = ot.appender();
          DecisionLog.Appender da = od.appender()) {
        Decision d = new Decision().set(policy.initial());
        for (Iterator<LogRecord> it = records.iterator(); it.hasNext(); ) {
          LogRecord r = it.next();
          if (r instanceof LogRecord.Observed observed) {
            Observation o = observed.observation();
            rec.add(o.lr(), o.clip(), o.gradNorm());
            cf.add(d.lr, d.clip, o.gradNorm());
            ta.append(o);
            policy.decide(o, d);
            da.append(d);
            decisions++;
          } else if (r instanceof LogRecord.Occurred occurred) {
            Event e = occurred.event();
            ta.appendEvent(e.kind(), e.step(), e.detail());
          }
        }
      }
      return new WhatIf(out.dir(), spec, decisions, rec.stats(), cf.stats());
    }
  }

  /**
   * The clip rate and mean effective learning rate the run would have had with a fixed clip
   * threshold {@code clip} (and its recorded learning rates), computed exactly from the recorded
   * pre-clip gradient norms: η<sub>t</sub>·min(1, c/‖g<sub>t</sub>‖). Steps with a NaN learning
   * rate or gradient norm are unmeasured.
   *
   * @throws IllegalArgumentException when {@code clip} is not {@code > 0} (or +Inf for none)
   */
  public static ClipStats clipStats(RunFolder run, double clip) {
    if (!(clip > 0)) {
      throw new IllegalArgumentException("clip must be > 0 (or inf for none), but was " + clip);
    }
    ClipAccumulator acc = new ClipAccumulator();
    try (Stream<Observation> observations = run.observations()) {
      observations.forEach(o -> acc.add(o.lr(), clip, o.gradNorm()));
    }
    return acc.stats();
  }
}

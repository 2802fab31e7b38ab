package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A summary of one run folder for people and scripts ({@code governor inspect}): steps, loss
 * (first, last, minimum), divergence, loss spikes, clip rate and effective learning rate, the
 * ranges of the applied and decided hyperparameters, faults and events, and queue sizes.
 *
 * <p>Definitions:
 *
 * <ul>
 *   <li><b>fault</b>: a step whose loss or gradient norm is NaN or infinite.
 *   <li><b>diverged</b>: some step's loss is infinite or NaN, or exceeds {@value #DIVERGE_FACTOR}×
 *       the first finite loss; {@code divergedAt} is the first such step.
 *   <li><b>spike</b>: a finite loss whose z-score against the previous {@value LossSpikes#WINDOW}
 *       finite losses (mean, sample standard deviation) exceeds {@value LossSpikes#SPIKE_Z}; needs
 *       at least {@value LossSpikes#MIN_WINDOW} of them and a standard deviation {@code > 0}.
 *   <li><b>clip rate / mean effective LR</b>: as in {@link Replay.ClipStats}, from the applied LR
 *       and clip and the pre-clip gradient norm of each step.
 * </ul>
 *
 * NaN in any measurement is skipped by the statistic it would feed (and counted as a fault when it
 * is the loss or gradient norm).
 */
public final class Inspection {
  private Inspection() {}

  static final double DIVERGE_FACTOR = 10.0;

  /** Minimum and maximum of a value; NaN when never seen. */
  public record Range(double min, double max) {}

  /**
   * Size of one queue.
   *
   * @param records complete records
   * @param files cycle files
   * @param bytesOnDisk total length of the (sparse) cycle files
   * @param tornTail the torn tail's description, or null when there is none
   */
  public record QueueSize(long records, int files, long bytesOnDisk, String tornTail) {}

  /**
   * The summary.
   *
   * @param run run id
   * @param policy the run's policy spec, as text
   * @param steps observations
   * @param firstStep first step (-1 when none)
   * @param lastStep last step (-1 when none)
   * @param lossFirst first finite loss
   * @param lossLast last finite loss
   * @param lossMin minimum finite loss
   * @param lossMinStep step of the minimum (-1 when none)
   * @param diverged whether the run diverged (see the class doc)
   * @param divergedAt first divergent step, -1 when none
   * @param spikes number of loss spikes
   * @param spikeSteps the first spike steps (at most 20)
   * @param faults steps with a NaN/Inf loss or gradient norm
   * @param clipRate fraction of measured steps that clipped
   * @param meanEffectiveLr mean η·min(1, c/‖g‖)
   * @param lr range of the applied learning rate
   * @param clip range of the applied clip threshold (+Inf = off)
   * @param wd range of the applied weight decay
   * @param decisions number of decisions
   * @param decidedLr range of the decided learning rate
   * @param decidedClip range of the decided clip threshold
   * @param decidedWd range of the decided weight decay
   * @param guardActions counts of non-NONE guard actions in the decisions, by name
   * @param events counts of events in both queues, by kind
   * @param earlyStop the run's early stop (step = the last step run, detail = the best evaluation's
   *     step), or null when it did not stop early
   * @param telemetryQueue size of the telemetry queue
   * @param decisionQueue size of the decision queue, or null when there is none
   */
  public record Summary(
      String run,
      String policy,
      long steps,
      long firstStep,
      long lastStep,
      double lossFirst,
      double lossLast,
      double lossMin,
      long lossMinStep,
      boolean diverged,
      long divergedAt,
      long spikes,
      List<Long> spikeSteps,
      long faults,
      double clipRate,
      double meanEffectiveLr,
      Range lr,
      Range clip,
      Range wd,
      long decisions,
      Range decidedLr,
      Range decidedClip,
      Range decidedWd,
      Map<String, Long> guardActions,
      Map<String, Long> events,
      Event earlyStop,
      QueueSize telemetryQueue,
      QueueSize decisionQueue) {}

  private static final class MinMax {
    double min = Double.NaN;
    double max = Double.NaN;

    void add(double v) {
      if (Double.isNaN(v)) {
        return;
      }
      if (Double.isNaN(min) || v < min) {
        min = v;
      }
      if (Double.isNaN(max) || v > max) {
        max = v;
      }
    }

    Range range() {
      return new Range(min, max);
    }
  }

  /**
   * Reads the run's queues and summarizes them.
   *
   * @throws TelemetryException naming the file when a queue is missing, damaged or foreign
   */
  public static Summary inspect(RunFolder run) {
    long steps = 0;
    long firstStep = -1;
    long lastStep = -1;
    double lossFirst = Double.NaN;
    double lossLast = Double.NaN;
    double lossMin = Double.NaN;
    long lossMinStep = -1;
    long divergedAt = -1;
    long faults = 0;
    List<Long> spikeSteps = new ArrayList<>();
    long spikes = 0;
    LossSpikes spikeDetector = new LossSpikes();
    Replay.ClipAccumulator clipAcc = new Replay.ClipAccumulator();
    MinMax lr = new MinMax();
    MinMax clip = new MinMax();
    MinMax wd = new MinMax();
    EnumMap<EventKind, Long> events = new EnumMap<>(EventKind.class);
    Event earlyStop = null;
    QueueSize tq;
    try (TelemetryLog tl = run.readTelemetry();
        Stream<LogRecord> records = tl.records()) {
      for (Iterator<LogRecord> it = records.iterator(); it.hasNext(); ) {
        LogRecord r = it.next();
        if (r instanceof LogRecord.Occurred e) {
          events.merge(e.event().kind(), 1L, Long::sum);
          if (e.event().kind() == EventKind.EARLY_STOP) {
            earlyStop = e.event();
          }
          continue;
        }
        if (!(r instanceof LogRecord.Observed observed)) {
          continue;
        }
        Observation o = observed.observation();
        steps++;
        if (firstStep < 0) {
          firstStep = o.step();
        }
        lastStep = o.step();
        double loss = o.loss();
        boolean finite = Double.isFinite(loss);
        if (!finite || !Double.isFinite(o.gradNorm())) {
          faults++;
        }
        if (finite) {
          if (Double.isNaN(lossFirst)) {
            lossFirst = loss;
          }
          lossLast = loss;
          if (Double.isNaN(lossMin) || loss < lossMin) {
            lossMin = loss;
            lossMinStep = o.step();
          }
        }
        if (divergedAt < 0
            && (!finite || (!Double.isNaN(lossFirst) && loss > DIVERGE_FACTOR * lossFirst))) {
          divergedAt = o.step();
        }
        if (finite && spikeDetector.add(loss)) {
          spikes++;
          if (spikeSteps.size() < 20) {
            spikeSteps.add(o.step());
          }
        }
        clipAcc.add(o.lr(), o.clip(), o.gradNorm());
        lr.add(o.lr());
        clip.add(o.clip());
        wd.add(o.weightDecay());
      }
      LogScan s = tl.scan();
      tq = new QueueSize(s.records(), s.files(), s.bytesOnDisk(), s.tornTail().orElse(null));
    }
    long decisions = 0;
    MinMax dlr = new MinMax();
    MinMax dclip = new MinMax();
    MinMax dwd = new MinMax();
    Map<String, Long> actions = new java.util.TreeMap<>();
    QueueSize dq = null;
    if (run.hasDecisions()) {
      try (DecisionLog dl = run.readDecisions();
          Stream<LogRecord> records = dl.records()) {
        for (Iterator<LogRecord> it = records.iterator(); it.hasNext(); ) {
          LogRecord r = it.next();
          if (r instanceof LogRecord.Occurred e) {
            events.merge(e.event().kind(), 1L, Long::sum);
          } else if (r instanceof LogRecord.Decided decided) {
            Decision d = decided.decision();
            decisions++;
            dlr.add(d.lr);
            dclip.add(d.clip);
            dwd.add(d.weightDecay);
            if (d.action != dev.governor.control.GuardAction.NONE) {
              actions.merge(d.action.name(), 1L, Long::sum);
            }
          }
        }
        LogScan s = dl.scan();
        dq = new QueueSize(s.records(), s.files(), s.bytesOnDisk(), s.tornTail().orElse(null));
      }
    }
    Map<String, Long> ev = new java.util.LinkedHashMap<>();
    events.forEach((k, v) -> ev.put(k.name(), v));
    Replay.ClipStats cs = clipAcc.stats();
    return new Summary(
        run.header().runId(),
        run.header().policy().toString(),
        steps,
        firstStep,
        lastStep,
        lossFirst,
        lossLast,
        lossMin,
        lossMinStep,
        divergedAt >= 0,
        divergedAt,
        spikes,
        List.copyOf(spikeSteps),
        faults,
        cs.clipRate(),
        cs.meanEffectiveLr(),
        lr.range(),
        clip.range(),
        wd.range(),
        decisions,
        dlr.range(),
        dclip.range(),
        dwd.range(),
        actions,
        ev,
        earlyStop,
        tq,
        dq);
  }
}

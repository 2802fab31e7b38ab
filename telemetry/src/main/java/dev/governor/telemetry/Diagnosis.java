package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A diagnosis of a run from its telemetry alone ({@code governor inspect}): which of four problems
 * the recorded steps show, each verdict with the numbers behind it and what to try next. A healthy
 * run gets no verdict.
 *
 * <p>The steps with a finite training loss are cut into four quarters in step order (q1 .. q4); the
 * trend verdicts need at least {@value #MIN_STEPS} such steps.
 *
 * <ul>
 *   <li><b>under-fitting</b>: the training loss is flat or rising over the second half (mean of q4
 *       at least {@code (1 − }{@value #FLAT}{@code )} × the mean of q3) while still high (mean of
 *       q4 above {@value #HIGH} × the mean of q1), and either the LR sits at its floor (the mean LR
 *       of q4 is within 1 % of the run's minimum LR, which is below {@value #FLOOR_RATIO} × its
 *       maximum) or the updates are tiny (median ‖Δθ‖/‖θ‖ in q4 below {@value #TINY_UPDATE}).
 *   <li><b>over-fitting</b>: at least {@value #MIN_VAL} validation losses; the last is at least
 *       {@code (1 + }{@value #VAL_RISE}{@code )} × the minimum, which came two or more evaluations
 *       before it, while the training loss (mean of the {@value #TRAIN_WINDOW} losses up to a step)
 *       fell from the minimum's step to the last evaluation's.
 *   <li><b>instability</b>: loss spikes (a loss more than {@value LossSpikes#SPIKE_Z} sample
 *       standard deviations above the mean of the previous {@value LossSpikes#WINDOW}, as {@link
 *       LossSpikes} finds them) at least {@value #MIN_SPIKES} and {@value #SPIKE_RATE} of the
 *       steps, or a clip rate above {@value #CLIP_RATE}, or guard actions (decisions other than
 *       NONE) as many and as frequent as that, or a NaN/Inf loss or gradient norm.
 *   <li><b>lr-too-high</b>: the median of η·λ̂ (applied LR times the secant sharpness of the step)
 *       over the steps where both are finite and positive exceeds {@value #EDGE}, the stability
 *       edge of gradient descent on a quadratic; needs {@value #MIN_SHARP} such steps.
 *   <li><b>lr-too-low</b>: the same median is below {@value #LOW_EDGE} (steps far smaller than the
 *       curvature allows: 40× below the edge) while the training loss falls slowly — the mean of q4
 *       is between {@code (1 − }{@value #SLOW}{@code )} and {@code (1 − }{@value #FLAT}{@code )} ×
 *       the mean of q3 — and is still high (q4 above {@value #HIGH} × q1). A run whose schedule
 *       anneals the LR only at its end keeps a median near its peak and is not flagged.
 * </ul>
 *
 * <p>NaN and infinity: a step whose loss is not finite counts as a fault (instability) and is left
 * out of the trends; NaN learning rates, sharpness or norms are left out of the statistics they
 * would feed. Every number in a verdict is finite. Nothing reads the clock.
 */
public final class Diagnosis {
  private Diagnosis() {}

  static final int MIN_STEPS = 40;
  static final double FLAT = 0.01;
  static final double HIGH = 0.5;
  static final double FLOOR_RATIO = 0.1;
  static final double TINY_UPDATE = 1e-5;
  static final int MIN_VAL = 4;
  static final double VAL_RISE = 0.05;
  static final int TRAIN_WINDOW = 50;
  static final int MIN_SPIKES = 3;
  static final double SPIKE_RATE = 0.005;
  static final double CLIP_RATE = 0.5;
  static final double EDGE = 2.0;
  static final int MIN_SHARP = 10;
  static final double LOW_EDGE = 0.05;
  static final double SLOW = 0.1;

  /**
   * One verdict.
   *
   * @param kind {@code under-fitting}, {@code over-fitting}, {@code instability}, {@code
   *     lr-too-high} or {@code lr-too-low}
   * @param finding what the telemetry shows, in words with the numbers
   * @param numbers the numbers behind it, by name (all finite)
   * @param advice what to try next
   */
  public record Verdict(String kind, String finding, Map<String, Double> numbers, String advice) {
    /** Copies the numbers. */
    public Verdict {
      numbers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(numbers));
    }
  }

  /**
   * Reads the run's telemetry and decisions and diagnoses them.
   *
   * @throws TelemetryException naming the file when a queue is missing, damaged or foreign
   */
  public static List<Verdict> of(RunFolder run) {
    List<Observation> obs;
    try (TelemetryLog tl = run.readTelemetry();
        Stream<Observation> observations = tl.observations()) {
      obs = observations.toList();
    }
    long guard;
    try (Stream<Decision> decisions = run.decisions()) {
      guard = decisions.filter(d -> d.action != GuardAction.NONE).count();
    }
    return diagnose(obs, guard);
  }

  /** The verdicts of the observations {@code obs} (in step order) and {@code guardActions}. */
  public static List<Verdict> diagnose(List<Observation> obs, long guardActions) {
    List<Verdict> out = new ArrayList<>();
    List<Observation> ok = new ArrayList<>();
    long faults = 0;
    for (Observation o : obs) {
      if (Double.isFinite(o.loss())) {
        ok.add(o);
      }
      if (!Double.isFinite(o.loss()) || !Double.isFinite(o.gradNorm())) {
        faults++;
      }
    }
    underFitting(ok).ifPresent(out::add);
    overFitting(ok).ifPresent(out::add);
    instability(obs, ok, faults, guardActions).ifPresent(out::add);
    lrTooHigh(obs).ifPresent(out::add);
    lrTooLow(obs, ok).ifPresent(out::add);
    return out;
  }

  private static java.util.Optional<Verdict> underFitting(List<Observation> ok) {
    int n = ok.size();
    if (n < MIN_STEPS) {
      return java.util.Optional.empty();
    }
    int q = n / 4;
    Quarters l = Quarters.of(ok);
    double q1 = l.q1();
    double q3 = l.q3();
    double q4 = l.q4();
    if (!(q4 >= (1 - FLAT) * q3 && q4 > HIGH * q1)) {
      return java.util.Optional.empty();
    }
    double lrMin = Double.NaN;
    double lrMax = Double.NaN;
    for (Observation o : ok) {
      double lr = o.lr();
      if (Double.isFinite(lr)) {
        lrMin = Double.isNaN(lrMin) ? lr : Math.min(lrMin, lr);
        lrMax = Double.isNaN(lrMax) ? lr : Math.max(lrMax, lr);
      }
    }
    double lrSum = 0;
    int lrCount = 0;
    double[] rel = new double[q];
    int relCount = 0;
    for (int i = n - q; i < n; i++) {
      Observation o = ok.get(i);
      if (Double.isFinite(o.lr())) {
        lrSum += o.lr();
        lrCount++;
      }
      double r = o.updateNorm() / o.paramNorm();
      if (Double.isFinite(r)) {
        rel[relCount++] = r;
      }
    }
    double lrQ4 = lrCount == 0 ? Double.NaN : lrSum / lrCount;
    double relMedian = relCount == 0 ? Double.NaN : median(Arrays.copyOf(rel, relCount));
    boolean atFloor =
        lrCount > 0 && lrQ4 <= 1.01 * lrMin && lrMin < FLOOR_RATIO * lrMax && lrMax > 0;
    boolean tiny = relCount > 0 && relMedian < TINY_UPDATE;
    if (!atFloor && !tiny) {
      return java.util.Optional.empty();
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss_q1", q1);
    m.put("loss_q3", q3);
    m.put("loss_q4", q4);
    m.put("loss_change_q3_q4", q4 / q3 - 1);
    putFinite(m, "lr_q4", lrQ4);
    putFinite(m, "lr_min", lrMin);
    putFinite(m, "lr_max", lrMax);
    putFinite(m, "median_relative_update_q4", relMedian);
    String why =
        (atFloor
                ? String.format(java.util.Locale.ROOT, "the LR sits at its floor %.3g", lrMin)
                : "")
            + (atFloor && tiny ? " and " : "")
            + (tiny
                ? String.format(
                    java.util.Locale.ROOT, "the updates are tiny (median |dθ|/|θ| %.2g)", relMedian)
                : "");
    return java.util.Optional.of(
        new Verdict(
            "under-fitting",
            String.format(
                java.util.Locale.ROOT,
                "training loss flat over the second half (%.4g -> %.4g, %+.1f %%) and still %.0f %%"
                    + " of its start (%.4g) while %s",
                q3,
                q4,
                100 * (q4 / q3 - 1),
                100 * q4 / q1,
                q1,
                why),
            m,
            "raise the learning rate or its floor (a slower decay), or give the model more"
                + " capacity"));
  }

  private static java.util.Optional<Verdict> overFitting(List<Observation> ok) {
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < ok.size(); i++) {
      if (Double.isFinite(ok.get(i).valLoss())) {
        at.add(i);
      }
    }
    if (at.size() < MIN_VAL) {
      return java.util.Optional.empty();
    }
    int best = 0;
    for (int k = 1; k < at.size(); k++) {
      if (ok.get(at.get(k)).valLoss() < ok.get(at.get(best)).valLoss()) {
        best = k;
      }
    }
    int last = at.size() - 1;
    double vMin = ok.get(at.get(best)).valLoss();
    double vLast = ok.get(at.get(last)).valLoss();
    if (best > last - 2 || !(vLast >= (1 + VAL_RISE) * vMin)) {
      return java.util.Optional.empty();
    }
    double tMin = trailingMean(ok, at.get(best));
    double tLast = trailingMean(ok, at.get(last));
    if (!(tLast < tMin)) {
      return java.util.Optional.empty();
    }
    long sMin = ok.get(at.get(best)).step();
    long sLast = ok.get(at.get(last)).step();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("val_loss_min", vMin);
    m.put("val_loss_min_step", (double) sMin);
    m.put("val_loss_last", vLast);
    m.put("val_loss_last_step", (double) sLast);
    m.put("train_loss_at_min", tMin);
    m.put("train_loss_last", tLast);
    m.put("gap_at_min", vMin - tMin);
    m.put("gap_last", vLast - tLast);
    return java.util.Optional.of(
        new Verdict(
            "over-fitting",
            String.format(
                java.util.Locale.ROOT,
                "validation loss rose %.1f %% from its minimum %.4g at step %d to %.4g at step %d"
                    + " while the training loss fell %.4g -> %.4g (gap %.4g -> %.4g)",
                100 * (vLast / vMin - 1),
                vMin,
                sMin,
                vLast,
                sLast,
                tMin,
                tLast,
                vMin - tMin,
                vLast - tLast),
            m,
            String.format(
                java.util.Locale.ROOT,
                "stop near step %d (early stopping), or regularize more: weight decay, data",
                sMin)));
  }

  private static java.util.Optional<Verdict> instability(
      List<Observation> obs, List<Observation> ok, long faults, long guardActions) {
    long spikes = 0;
    LossSpikes detector = new LossSpikes();
    for (Observation o : ok) {
      if (detector.add(o.loss())) {
        spikes++;
      }
    }
    Replay.ClipAccumulator clip = new Replay.ClipAccumulator();
    for (Observation o : obs) {
      clip.add(o.lr(), o.clip(), o.gradNorm());
    }
    double clipRate = clip.stats().clipRate();
    double spikeRate = obs.isEmpty() ? 0 : (double) spikes / obs.size();
    boolean spiky = spikes >= MIN_SPIKES && spikeRate >= SPIKE_RATE;
    boolean clipped = clipRate > CLIP_RATE;
    double guardRate = obs.isEmpty() ? 0 : (double) guardActions / obs.size();
    boolean guarded = guardActions >= MIN_SPIKES && guardRate >= SPIKE_RATE;
    if (!spiky && !clipped && !guarded && faults == 0) {
      return java.util.Optional.empty();
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("spikes", (double) spikes);
    m.put("spike_rate", spikeRate);
    putFinite(m, "clip_rate", clipRate);
    m.put("guard_actions", (double) guardActions);
    m.put("faults", (double) faults);
    List<String> parts = new ArrayList<>();
    if (spiky) {
      parts.add(
          String.format(
              java.util.Locale.ROOT, "%d loss spikes (%.2f %% of steps)", spikes, 100 * spikeRate));
    }
    if (clipped) {
      parts.add(String.format(java.util.Locale.ROOT, "clip rate %.2f", clipRate));
    }
    if (guarded) {
      parts.add(
          String.format(
              java.util.Locale.ROOT,
              "%d guard actions (%.2f %% of steps)",
              guardActions,
              100 * guardRate));
    }
    if (faults > 0) {
      parts.add(faults + " NaN/Inf step(s)");
    }
    return java.util.Optional.of(
        new Verdict(
            "instability",
            String.join(", ", parts),
            m,
            "lower the learning rate or add warm-up; keep the guard and a clip threshold near the"
                + " typical gradient norm"));
  }

  private static java.util.Optional<Verdict> lrTooHigh(List<Observation> obs) {
    SharpSteps sharp = SharpSteps.of(obs);
    int k = sharp.count();
    if (k < MIN_SHARP) {
      return java.util.Optional.empty();
    }
    double[] s = sharp.products().clone();
    double med = median(s.clone());
    if (!(med > EDGE)) {
      return java.util.Optional.empty();
    }
    Arrays.sort(s);
    double p90 = s[(int) Math.min(k - 1, Math.floor(0.9 * (k - 1)))];
    int above = 0;
    for (double v : s) {
      above += v > EDGE ? 1 : 0;
    }
    double lrMed = median(sharp.lrs().clone());
    double suggest = lrMed / med; // the LR that puts the median η·λ̂ at 1
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("median_lr_sharpness", med);
    m.put("p90_lr_sharpness", p90);
    m.put("fraction_above_2", (double) above / k);
    m.put("steps_measured", (double) k);
    m.put("median_lr", lrMed);
    m.put("suggested_lr", suggest);
    return java.util.Optional.of(
        new Verdict(
            "lr-too-high",
            String.format(
                java.util.Locale.ROOT,
                "median η·λ̂ %.3g > 2 (90th percentile %.3g; %.0f %% of %d steps above 2) at a"
                    + " median LR of %.3g",
                med,
                p90,
                100.0 * above / k,
                k,
                lrMed),
            m,
            String.format(
                java.util.Locale.ROOT,
                "lower the learning rate to about %.3g (η·λ̂ ≈ 1) or clip harder",
                suggest)));
  }

  private static java.util.Optional<Verdict> lrTooLow(List<Observation> obs, List<Observation> ok) {
    int n = ok.size();
    if (n < MIN_STEPS) {
      return java.util.Optional.empty();
    }
    Quarters l = Quarters.of(ok);
    double q1 = l.q1();
    double q3 = l.q3();
    double q4 = l.q4();
    if (!(q4 < (1 - FLAT) * q3 && q4 > (1 - SLOW) * q3 && q4 > HIGH * q1)) {
      return java.util.Optional.empty();
    }
    SharpSteps sharp = SharpSteps.of(obs);
    int k = sharp.count();
    if (k < MIN_SHARP) {
      return java.util.Optional.empty();
    }
    double med = median(sharp.products().clone());
    if (!(med < LOW_EDGE)) {
      return java.util.Optional.empty();
    }
    double lrMed = median(sharp.lrs().clone());
    double suggest = lrMed / med; // the LR that puts the median η·λ̂ at 1
    double fall = (q3 - q4) / q3;
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("median_lr_sharpness", med);
    m.put("steps_measured", (double) k);
    m.put("median_lr", lrMed);
    m.put("loss_q1", q1);
    m.put("loss_q3", q3);
    m.put("loss_q4", q4);
    m.put("relative_fall_q3_q4", fall);
    m.put("suggested_lr", suggest);
    return java.util.Optional.of(
        new Verdict(
            "lr-too-low",
            String.format(
                java.util.Locale.ROOT,
                "median η·λ̂ %.3g, far below 2, at a median LR of %.3g, while the training loss"
                    + " falls slowly (%.1f %% from the third quarter's mean %.4g to the last's"
                    + " %.4g)",
                med,
                lrMed,
                100 * fall,
                q3,
                q4),
            m,
            String.format(
                java.util.Locale.ROOT,
                "raise the learning rate toward %.3g (η·λ̂ ≈ 1), a factor of 3 to 10 at a time, or"
                    + " run an LR range test (governor lr-find)",
                suggest)));
  }

  /** The mean training loss of the first, third and last quarters of {@code ok} (step order). */
  private record Quarters(double q1, double q3, double q4) {
    static Quarters of(List<Observation> ok) {
      int n = ok.size();
      int q = n / 4;
      return new Quarters(
          meanLoss(ok, 0, q), meanLoss(ok, n - 2 * q, n - q), meanLoss(ok, n - q, n));
    }
  }

  /**
   * The steps where η·λ̂ was measured (LR and sharpness positive, their product finite), in step
   * order: the products and the LRs.
   */
  private record SharpSteps(double[] products, double[] lrs) {
    static SharpSteps of(List<Observation> obs) {
      double[] p = new double[obs.size()];
      double[] lrs = new double[obs.size()];
      int k = 0;
      for (Observation o : obs) {
        double v = o.lr() * o.sharpness();
        if (o.lr() > 0 && o.sharpness() > 0 && Double.isFinite(v)) {
          p[k] = v;
          lrs[k] = o.lr();
          k++;
        }
      }
      return new SharpSteps(Arrays.copyOf(p, k), Arrays.copyOf(lrs, k));
    }

    int count() {
      return products.length;
    }
  }

  private static double meanLoss(List<Observation> ok, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += ok.get(i).loss();
    }
    return s / (to - from);
  }

  private static double trailingMean(List<Observation> ok, int i) {
    int from = Math.max(0, i - TRAIN_WINDOW + 1);
    return meanLoss(ok, from, i + 1);
  }

  private static double median(double[] a) {
    Arrays.sort(a);
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  }

  private static void putFinite(Map<String, Double> m, String k, double v) {
    if (Double.isFinite(v)) {
      m.put(k, v);
    }
  }
}

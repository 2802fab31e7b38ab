package dev.governor.cluster;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.sim.Problem;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.Vectors;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A simulated synchronous data-parallel plant: {@code N} ranks hold the same parameters; at each
 * step every rank draws its own mini-batch gradient (batch {@code B}, gradient noise from its own
 * random stream, split from the seed by rank), the gradients are averaged (the all-reduce), and
 * every rank applies the same SGD update with the averaged gradient:
 *
 * <pre>
 *   ḡ = (1/N) Σ_r g_r,   x ← x − lr · (s · ḡ + wd · x),   s = min(1, clip / ‖ḡ‖)
 * </pre>
 *
 * <p>So N ranks of batch B behave as one SGD run of batch N·B (the gradient noise variance is
 * divided by N·B), not as an average of N separate runs. The guard action {@code SKIP} undoes the
 * previous update; {@code ROLLBACK} does the same here (one step back); {@code RESET} returns the
 * parameters to the start point. The observation a step returns is {@link
 * RankAggregation#aggregate} of the ranks' ({@link #rankObservations()}).
 *
 * <p>NaN/Inf: a non-finite gradient or loss shows in the observation as documented by {@link
 * RankAggregation}; the update is applied as computed (the policy decides to skip or roll back).
 */
public final class DataParallelPlant implements RankedTrainer {
  private final Problem problem;
  private final int ranks;
  private final int batch;
  private final long seed;
  private final int d;
  private final double[] x;
  private final double[] before;
  private boolean beforeValid;
  private final double[][] g;
  private final double[] gbar;
  private final double[] gPrev;
  private boolean prevValid;
  private final RestorableUniformRandomProvider[] rngs;
  private final NormalizedGaussianSampler[] gauss;
  private long nextStep;
  private List<Observation> last = List.of();

  /**
   * A plant of {@code ranks} ranks over {@code problem} (its batch is the per-rank batch).
   *
   * @throws IllegalArgumentException when {@code ranks < 1}
   */
  public DataParallelPlant(ProblemConfig problem, int ranks, long seed) {
    if (!(ranks >= 1)) {
      throw new IllegalArgumentException("ranks must be >= 1, but was " + ranks);
    }
    this.problem = problem.create(seed);
    this.ranks = ranks;
    this.batch = problem.batch();
    this.seed = seed;
    this.d = this.problem.dim();
    this.x = new double[d];
    this.before = new double[d];
    this.problem.start(x);
    this.g = new double[ranks][d];
    this.gbar = new double[d];
    this.gPrev = new double[d];
    this.rngs = new RestorableUniformRandomProvider[ranks];
    this.gauss = new NormalizedGaussianSampler[ranks];
    for (int r = 0; r < ranks; r++) {
      rngs[r] = rankStream(seed, r);
      gauss[r] = ZigguratSampler.NormalizedGaussian.of(rngs[r]);
    }
  }

  /** Rank r's random stream: split from the seed by the rank (SplitMix64 seeding). */
  private static RestorableUniformRandomProvider rankStream(long seed, int rank) {
    UniformRandomProvider mix =
        RandomSource.SPLIT_MIX_64.create(seed ^ ((0x52414e4bL + rank) * 0x9E3779B97F4A7C15L));
    return RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {mix.nextLong(), mix.nextLong()});
  }

  @Override
  public int ranks() {
    return ranks;
  }

  @Override
  public List<Observation> rankObservations() {
    return last;
  }

  /** The exact (noise-free) loss at the current parameters. */
  public double exactLoss() {
    return problem.loss(x);
  }

  @Override
  public int layerCount() {
    return 0;
  }

  @Override
  public Observation step(long step, Hyperparameters h) {
    if (step != nextStep) {
      throw new IllegalArgumentException("step must be " + nextStep + ", but was " + step);
    }
    if (h.action() == GuardAction.SKIP || h.action() == GuardAction.ROLLBACK) {
      if (beforeValid) {
        System.arraycopy(before, 0, x, 0, d);
        beforeValid = false;
      }
      prevValid = false;
    } else if (h.action() == GuardAction.RESET) {
      problem.start(x); // the run's start point (the noise streams go on)
      beforeValid = false;
      prevValid = false;
    }
    double[] losses = new double[ranks];
    double[] rankNorms = new double[ranks];
    for (int r = 0; r < ranks; r++) {
      losses[r] = problem.sample(x, g[r], batch, 1.0, rngs[r], gauss[r]);
      rankNorms[r] = Vectors.norm(g[r]);
    }
    java.util.Arrays.fill(gbar, 0);
    for (int r = 0; r < ranks; r++) {
      for (int i = 0; i < d; i++) {
        gbar[i] += g[r][i];
      }
    }
    double gg = 0;
    double gp = 0;
    double xx = 0;
    for (int i = 0; i < d; i++) {
      gbar[i] /= ranks;
      gg += gbar[i] * gbar[i];
      gp += gbar[i] * gPrev[i];
      xx += x[i] * x[i];
    }
    double gradNorm = Math.sqrt(gg);
    double alignment = Double.NaN;
    if (prevValid) {
      double pn = Vectors.norm(gPrev);
      alignment =
          gradNorm > 0 && pn > 0 ? Math.max(-1, Math.min(1, gp / (gradNorm * pn))) : alignment;
    }
    double s = gradNorm > h.clip() ? h.clip() / gradNorm : 1.0;
    System.arraycopy(x, 0, before, 0, d);
    beforeValid = true;
    double move = 0;
    for (int i = 0; i < d; i++) {
      double dx = h.lr() * (s * gbar[i] + h.weightDecay() * x[i]);
      x[i] -= dx;
      move += dx * dx;
    }
    System.arraycopy(gbar, 0, gPrev, 0, d);
    prevValid = true;
    nextStep = step + 1;
    List<Observation> obs = new ArrayList<>(ranks);
    for (int r = 0; r < ranks; r++) {
      obs.add(
          new Observation(
              step,
              0,
              losses[r],
              gradNorm,
              Math.sqrt(xx),
              Math.sqrt(move),
              alignment,
              Double.NaN,
              Double.NaN,
              batch,
              h.lr(),
              h.clip(),
              h.weightDecay(),
              null,
              null,
              null));
    }
    last = Collections.unmodifiableList(obs);
    return RankAggregation.aggregate(last);
  }

  @Override
  public void saveCheckpoint(Path dir) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(Files.newOutputStream(dir.resolve("data-parallel.state")))) {
      out.writeLong(seed);
      out.writeInt(ranks);
      out.writeLong(nextStep);
      out.writeBoolean(beforeValid);
      out.writeBoolean(prevValid);
      for (int i = 0; i < d; i++) {
        out.writeDouble(x[i]);
        out.writeDouble(before[i]);
        out.writeDouble(gPrev[i]);
      }
      for (RestorableUniformRandomProvider r : rngs) {
        byte[] b = ((RandomProviderDefaultState) r.saveState()).getState();
        out.writeInt(b.length);
        out.write(b);
      }
    }
  }

  @Override
  public void loadCheckpoint(Path dir) throws IOException {
    try (DataInputStream in =
        new DataInputStream(Files.newInputStream(dir.resolve("data-parallel.state")))) {
      if (in.readLong() != seed || in.readInt() != ranks) {
        throw new IOException("checkpoint in " + dir + " is of another seed or rank count");
      }
      nextStep = in.readLong();
      beforeValid = in.readBoolean();
      prevValid = in.readBoolean();
      for (int i = 0; i < d; i++) {
        x[i] = in.readDouble();
        before[i] = in.readDouble();
        gPrev[i] = in.readDouble();
      }
      for (RestorableUniformRandomProvider r : rngs) {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        r.restoreState(new RandomProviderDefaultState(b));
      }
    }
    last = List.of();
  }
}

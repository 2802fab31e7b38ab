package dev.governor.sim;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;

/**
 * A simulated plant: a synthetic {@link Problem} trained by a plain-Java optimizer, behind the
 * {@link Trainer} SPI (so the actor runtime drives it like a real model) and with a fast
 * allocation-free path ({@link #step(long, double, double, double, GuardAction)}) the simulation
 * runner uses. One implementation serves both.
 *
 * <p>One step {@code t}: (1) carry out the guard action — {@code SKIP} restores parameters and
 * optimizer state from before step {@code t − 1}'s update; {@code ROLLBACK} restores the newest
 * ring snapshot and drops it from the ring (a second rollback goes further back); (2) every {@code
 * snapshotEvery} steps, push the current state into the ring; (3) draw the mini-batch gradient
 * (with the {@link Disturbance} of step {@code t}); (4) clip it to global norm {@code clip}; (5)
 * apply the optimizer with {@code lr} and weight decay. The observation reports the mini-batch
 * loss, the pre-clip gradient norm, the parameter norm before the update, the norm of the update
 * applied, cos(g<sub>t</sub>, g<sub>t−1</sub>) and the secant sharpness ‖g<sub>t</sub> −
 * g<sub>t−1</sub>‖/‖θ<sub>t</sub> − θ<sub>t−1</sub>‖ (both NaN on the first step and right after a
 * skip or rollback), and the applied lr/clip/wd.
 *
 * <p>Everything random comes from the seed: the problem from one split stream, the mini-batches
 * from another. {@link #saveCheckpoint(Path)} writes the complete state including the generator's,
 * so a loaded plant continues bit for bit. Not thread-safe.
 */
public final class SimulatedTrainer implements Trainer {

  /**
   * A plant's configuration.
   *
   * @param problem the problem
   * @param optimizer the optimizer
   * @param seed the run seed every random stream is split from
   * @param disturbance events injected by step
   * @param ringSize number of rollback snapshots kept, >= 1
   * @param snapshotEvery steps between snapshots, >= 1
   */
  public record Config(
      ProblemConfig problem,
      OptimizerKind optimizer,
      long seed,
      Disturbance disturbance,
      int ringSize,
      int snapshotEvery) {

    /** Validates. */
    public Config {
      if (problem == null) {
        throw new IllegalArgumentException("problem must not be null");
      }
      if (optimizer == null) {
        throw new IllegalArgumentException("optimizer must not be null");
      }
      if (disturbance == null) {
        disturbance = Disturbance.NONE;
      }
      if (ringSize < 1) {
        throw new IllegalArgumentException("ringSize must be >= 1, but was " + ringSize);
      }
      if (snapshotEvery < 1) {
        throw new IllegalArgumentException("snapshotEvery must be >= 1, but was " + snapshotEvery);
      }
    }

    /** No disturbance, 4 snapshots 25 steps apart. */
    public static Config of(ProblemConfig problem, OptimizerKind optimizer, long seed) {
      return new Config(problem, optimizer, seed, Disturbance.NONE, 4, 25);
    }

    /**
     * Parses the text forms, e.g. {@code of("nqm(dim=50)", "adamw", 7)}.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static Config parse(String problem, String optimizer, long seed) {
      return of(ProblemConfig.parse(problem), OptimizerKind.parse(optimizer), seed);
    }

    /** A copy with a disturbance. */
    public Config withDisturbance(Disturbance d) {
      return new Config(problem, optimizer, seed, d, ringSize, snapshotEvery);
    }

    /** A copy with another seed. */
    public Config withSeed(long s) {
      return new Config(problem, optimizer, s, disturbance, ringSize, snapshotEvery);
    }
  }

  private static final int MAGIC = 0x47534d31; // "GSM1"
  private static final String FILE = "simulated-plant.bin";

  private final Config config;
  private final Problem problem;
  private final int d;
  private final OptimizerKind opt;
  private final Disturbance dist;
  private final RestorableUniformRandomProvider rng;
  private final NormalizedGaussianSampler gauss;

  private final double[] x;
  private final double[] m;
  private final double[] v;
  private long adamT;

  private final double[] bx;
  private final double[] bm;
  private final double[] bv;
  private long bAdamT;
  private boolean beforeValid;

  private final double[][] ringX;
  private final double[][] ringM;
  private final double[][] ringV;
  private final long[] ringAdamT;
  private int ringCount;
  private int ringHead;

  private final double[] g;
  private final double[] gPrev;
  private boolean prevValid;
  private double lastUpdateNorm;

  private long nextStep;
  private long examplesSeen;
  private long skips;
  private long rollbacks;
  private final double initialLoss;

  private SimulatedTrainer(Config config, Problem problem) {
    this.config = config;
    this.problem = problem;
    this.d = problem.dim();
    this.opt = config.optimizer();
    this.dist = config.disturbance();
    this.rng = Rng.stream(config.seed(), Rng.STEPS);
    this.gauss = Rng.gauss(rng);
    x = new double[d];
    boolean moments = opt != OptimizerKind.SGD;
    m = new double[moments ? d : 0];
    v = new double[opt == OptimizerKind.ADAM || opt == OptimizerKind.ADAMW ? d : 0];
    bx = new double[d];
    bm = new double[m.length];
    bv = new double[v.length];
    ringX = new double[config.ringSize()][d];
    ringM = new double[config.ringSize()][m.length];
    ringV = new double[config.ringSize()][v.length];
    ringAdamT = new long[config.ringSize()];
    g = new double[d];
    gPrev = new double[d];
    problem.start(x);
    initialLoss = problem.loss(x);
  }

  /** A fresh plant; the problem is built from the config's seed. */
  public static SimulatedTrainer of(Config config) {
    return new SimulatedTrainer(config, config.problem().create(config.seed()));
  }

  /**
   * A fresh plant on an already built problem (shared, read-only, between runs of a suite); the
   * problem must have been created from {@code config.problem()}.
   */
  static SimulatedTrainer of(Config config, Problem problem) {
    return new SimulatedTrainer(config, problem);
  }

  /** The configuration. */
  public Config config() {
    return config;
  }

  /** The problem. */
  public Problem problem() {
    return problem;
  }

  /** Exact loss at the start point. */
  public double initialLoss() {
    return initialLoss;
  }

  /**
   * The exact (noise-free) objective at the current parameters, as the objective is at step {@code
   * nextStep() − 1} (a curvature jump scales it). NaN/Inf when the parameters are.
   */
  public double exactLoss() {
    long s = Math.max(0, nextStep - 1);
    return dist.curvatureScale(s) * problem.loss(x);
  }

  /** The step the next call must run. */
  public long nextStep() {
    return nextStep;
  }

  /** Number of SKIP actions carried out. */
  public long skips() {
    return skips;
  }

  /** Number of ROLLBACK actions carried out (including ones with an empty ring). */
  public long rollbacks() {
    return rollbacks;
  }

  /** A copy of the current parameters. */
  public double[] parameters() {
    return x.clone();
  }

  @Override
  public int layerCount() {
    return 0;
  }

  @Override
  public long stepsPerEpoch() {
    int n = problem.examples();
    return n > 0 ? Math.max(1, n / configuredBatch()) : -1;
  }

  private int configuredBatch() {
    return config.problem().batch();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when {@code step} is out of order or {@code h} carries
   *     per-layer multipliers (this plant has no layers)
   */
  @Override
  public Observation step(long step, Hyperparameters h) {
    if (h.layerCount() != 0) {
      throw new IllegalArgumentException(
          "layer LR multipliers must be absent for a simulated plant (0 layers), but had "
              + h.layerCount());
    }
    return step(step, h.lr(), h.clip(), h.weightDecay(), h.action());
  }

  /**
   * Runs step {@code step}: the allocation-free path (except the returned observation).
   *
   * @throws IllegalArgumentException when {@code step} is not {@link #nextStep()} or a value is out
   *     of its domain (lr finite > 0, clip > 0, wd finite >= 0)
   */
  public Observation step(long step, double lr, double clip, double wd, GuardAction action) {
    if (step != nextStep) {
      throw new IllegalArgumentException("step must be " + nextStep + ", but was " + step);
    }
    if (!(lr > 0) || !Double.isFinite(lr) || !(clip > 0) || !(wd >= 0) || !Double.isFinite(wd)) {
      throw new IllegalArgumentException(
          "hyperparameters must be lr > 0, clip > 0, wd >= 0, but were lr="
              + lr
              + ", clip="
              + clip
              + ", wd="
              + wd);
    }
    applyAction(action);
    if (step % config.snapshotEvery() == 0) {
      pushSnapshot();
    }
    int batch = dist.batch(step, configuredBatch());
    double c = dist.curvatureScale(step) * dist.spike(step);
    double loss = problem.sample(x, g, batch, dist.noiseMultiplier(step), rng, gauss);
    loss *= c;
    double gg = 0;
    double gp = 0;
    double dg = 0;
    double xx = 0;
    for (int i = 0; i < d; i++) {
      double gi = g[i] * c;
      g[i] = gi;
      gg += gi * gi;
      gp += gi * gPrev[i];
      double diff = gi - gPrev[i];
      dg += diff * diff;
      xx += x[i] * x[i];
    }
    double gradNorm = Math.sqrt(gg);
    double paramNorm = Math.sqrt(xx);
    double alignment = Double.NaN;
    double sharpness = Double.NaN;
    if (prevValid) {
      double gpn = norm(gPrev);
      alignment = gradNorm > 0 && gpn > 0 ? clamp(gp / (gradNorm * gpn)) : Double.NaN;
      sharpness = lastUpdateNorm > 0 ? Math.sqrt(dg) / lastUpdateNorm : Double.NaN;
    }
    double scale = gradNorm > clip ? clip / gradNorm : 1.0;
    saveBefore();
    double updateNorm = update(lr, wd, scale);
    System.arraycopy(g, 0, gPrev, 0, d);
    prevValid = true;
    lastUpdateNorm = updateNorm;
    int epoch = 0;
    if (problem.examples() > 0) {
      epoch = (int) Math.min(Integer.MAX_VALUE, examplesSeen / problem.examples());
    }
    examplesSeen += batch;
    nextStep = step + 1;
    return new Observation(
        step,
        epoch,
        loss,
        gradNorm,
        paramNorm,
        updateNorm,
        alignment,
        sharpness,
        Double.NaN,
        batch,
        lr,
        clip,
        wd,
        null,
        null,
        null);
  }

  private static double clamp(double c) {
    return c > 1 ? 1 : (c < -1 ? -1 : c);
  }

  private static double norm(double[] a) {
    double s = 0;
    for (double e : a) {
      s += e * e;
    }
    return Math.sqrt(s);
  }

  /** Applies the optimizer to the (scaled) gradient in g; returns the update norm. */
  private double update(double lr, double wd, double scale) {
    double uu = 0;
    switch (opt) {
      case SGD -> {
        for (int i = 0; i < d; i++) {
          double u = lr * (g[i] * scale + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
      case MOMENTUM -> {
        double beta = OptimizerKind.MOMENTUM_BETA;
        for (int i = 0; i < d; i++) {
          m[i] = beta * m[i] + g[i] * scale;
          double u = lr * (m[i] + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
      case ADAM, ADAMW -> {
        adamT++;
        double b1 = OptimizerKind.BETA1;
        double b2 = OptimizerKind.BETA2;
        double c1 = 1 - Math.pow(b1, adamT);
        double c2 = 1 - Math.pow(b2, adamT);
        boolean l2 = opt == OptimizerKind.ADAM;
        for (int i = 0; i < d; i++) {
          double gi = g[i] * scale + (l2 ? wd * x[i] : 0);
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          double step = (m[i] / c1) / (Math.sqrt(v[i] / c2) + OptimizerKind.EPS);
          double u = lr * (l2 ? step : step + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
      default -> throw new IllegalStateException("unknown optimizer " + opt);
    }
    return Math.sqrt(uu);
  }

  private void saveBefore() {
    System.arraycopy(x, 0, bx, 0, d);
    System.arraycopy(m, 0, bm, 0, m.length);
    System.arraycopy(v, 0, bv, 0, v.length);
    bAdamT = adamT;
    beforeValid = true;
  }

  private void applyAction(GuardAction action) {
    switch (action) {
      case SKIP -> {
        skips++;
        if (beforeValid) {
          System.arraycopy(bx, 0, x, 0, d);
          System.arraycopy(bm, 0, m, 0, m.length);
          System.arraycopy(bv, 0, v, 0, v.length);
          adamT = bAdamT;
          beforeValid = false;
        }
        prevValid = false;
      }
      case ROLLBACK -> {
        rollbacks++;
        if (ringCount > 0) {
          int i = ringHead;
          System.arraycopy(ringX[i], 0, x, 0, d);
          System.arraycopy(ringM[i], 0, m, 0, m.length);
          System.arraycopy(ringV[i], 0, v, 0, v.length);
          adamT = ringAdamT[i];
          ringCount--;
          ringHead = (ringHead - 1 + ringX.length) % ringX.length;
        }
        beforeValid = false;
        prevValid = false;
      }
      default -> {}
    }
  }

  private void pushSnapshot() {
    ringHead = (ringHead + 1) % ringX.length;
    System.arraycopy(x, 0, ringX[ringHead], 0, d);
    System.arraycopy(m, 0, ringM[ringHead], 0, m.length);
    System.arraycopy(v, 0, ringV[ringHead], 0, v.length);
    ringAdamT[ringHead] = adamT;
    ringCount = Math.min(ringCount + 1, ringX.length);
  }

  @Override
  public void saveCheckpoint(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(FILE + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp);
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
      out.writeInt(MAGIC);
      out.writeUTF(describe());
      out.writeLong(nextStep);
      out.writeLong(examplesSeen);
      out.writeLong(skips);
      out.writeLong(rollbacks);
      writeArrays(out, x, m, v);
      out.writeLong(adamT);
      writeArrays(out, bx, bm, bv);
      out.writeLong(bAdamT);
      out.writeBoolean(beforeValid);
      out.writeInt(ringCount);
      out.writeInt(ringHead);
      for (int r = 0; r < ringX.length; r++) {
        writeArrays(out, ringX[r], ringM[r], ringV[r]);
        out.writeLong(ringAdamT[r]);
      }
      writeArrays(out, gPrev);
      out.writeBoolean(prevValid);
      out.writeDouble(lastUpdateNorm);
      byte[] state = ((RandomProviderDefaultState) rng.saveState()).getState();
      out.writeInt(state.length);
      out.write(state);
    }
    Files.move(
        tmp,
        dir.resolve(FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IOException when the file is missing, damaged or written by a plant with another
   *     configuration (the message names the file and what is wrong)
   */
  @Override
  public void loadCheckpoint(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("checkpoint " + file + " is not a simulated-plant checkpoint");
      }
      String desc = in.readUTF();
      if (!desc.equals(describe())) {
        throw new IOException(
            "checkpoint "
                + file
                + " is for '"
                + desc
                + "', but this plant is '"
                + describe()
                + "'");
      }
      nextStep = in.readLong();
      examplesSeen = in.readLong();
      skips = in.readLong();
      rollbacks = in.readLong();
      readArrays(in, x, m, v);
      adamT = in.readLong();
      readArrays(in, bx, bm, bv);
      bAdamT = in.readLong();
      beforeValid = in.readBoolean();
      ringCount = in.readInt();
      ringHead = in.readInt();
      if (ringCount < 0 || ringCount > ringX.length || ringHead < 0 || ringHead >= ringX.length) {
        throw new IOException("checkpoint " + file + " has a damaged snapshot ring");
      }
      for (int r = 0; r < ringX.length; r++) {
        readArrays(in, ringX[r], ringM[r], ringV[r]);
        ringAdamT[r] = in.readLong();
      }
      readArrays(in, gPrev);
      prevValid = in.readBoolean();
      lastUpdateNorm = in.readDouble();
      int n = in.readInt();
      if (n < 0 || n > 1024) {
        throw new IOException("checkpoint " + file + " has a damaged generator state");
      }
      byte[] state = new byte[n];
      in.readFully(state);
      rng.restoreState(new RandomProviderDefaultState(state));
    } catch (NoSuchFileException e) {
      throw new IOException("checkpoint " + file + " does not exist", e);
    } catch (java.io.EOFException e) {
      throw new IOException("checkpoint " + file + " is truncated", e);
    }
  }

  private String describe() {
    return config.problem()
        + " "
        + config.optimizer().id()
        + " seed="
        + config.seed()
        + " "
        + config.disturbance()
        + " ring="
        + config.ringSize()
        + "/"
        + config.snapshotEvery();
  }

  private static void writeArrays(DataOutputStream out, double[]... arrays) throws IOException {
    for (double[] a : arrays) {
      out.writeInt(a.length);
      for (double e : a) {
        out.writeLong(Double.doubleToRawLongBits(e));
      }
    }
  }

  private static void readArrays(DataInputStream in, double[]... arrays) throws IOException {
    for (double[] a : arrays) {
      int n = in.readInt();
      if (n != a.length) {
        throw new IOException("checkpoint array length " + n + " does not match " + a.length);
      }
      for (int i = 0; i < n; i++) {
        a[i] = Double.longBitsToDouble(in.readLong());
      }
    }
  }
}

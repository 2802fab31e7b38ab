package dev.governor.sim;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import dev.governor.report.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * (with the {@link Disturbance} of step {@code t}) at the optimizer's gradient point; (4) clip it
 * to global norm {@code clip}; (5) apply the optimizer with {@code lr} and weight decay. The
 * optimizer's whole state (parameters, moments, adapted step sizes, sums, counts) is what skip,
 * rollback, snapshots and checkpoints save and restore.
 *
 * <p>Most optimizers have one iterate. Schedule-Free methods draw the gradient at one point (y) and
 * report another (the average x), DoG with averaging reports its average: the <em>evaluation
 * point</em> is what {@link #exactLoss()}, {@link #parameters()} and the observation's parameter
 * norm and update norm describe, while the observation's loss and gradient norm are the mini-batch
 * values at the <em>gradient point</em> (what a trainer measures). The observation also reports
 * cos(g<sub>t</sub>, g<sub>t−1</sub>) and the secant sharpness ‖g<sub>t</sub> −
 * g<sub>t−1</sub>‖/‖y<sub>t</sub> − y<sub>t−1</sub>‖ over the gradient point y (both NaN on the
 * first step and right after a skip or rollback), the applied lr/clip/wd, and — every {@link
 * Problem#validationEvery()} steps of a problem with a validation set — the validation loss at the
 * gradient point (the point the step's mini-batch loss was measured at), else NaN.
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
   * @param optimizer the optimizer and its hyperparameters
   * @param seed the run seed every random stream is split from
   * @param disturbance events injected by step
   * @param ringSize number of rollback snapshots kept, >= 1
   * @param snapshotEvery steps between snapshots, >= 1
   */
  public record Config(
      ProblemConfig problem,
      OptimizerSpec optimizer,
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

    /** A configuration with the optimizer's default hyperparameters. */
    public Config(
        ProblemConfig problem,
        OptimizerKind optimizer,
        long seed,
        Disturbance disturbance,
        int ringSize,
        int snapshotEvery) {
      this(
          problem,
          optimizer == null ? null : OptimizerSpec.of(optimizer),
          seed,
          disturbance,
          ringSize,
          snapshotEvery);
    }

    /** No disturbance, 4 snapshots 25 steps apart. */
    public static Config of(ProblemConfig problem, OptimizerSpec optimizer, long seed) {
      return new Config(problem, optimizer, seed, Disturbance.NONE, 4, 25);
    }

    /** No disturbance, 4 snapshots 25 steps apart, the optimizer's default hyperparameters. */
    public static Config of(ProblemConfig problem, OptimizerKind optimizer, long seed) {
      return new Config(problem, optimizer, seed, Disturbance.NONE, 4, 25);
    }

    /**
     * Parses the text forms, e.g. {@code of("nqm(dim=50)", "adamw", 7)} or {@code of("nqm",
     * "prodigy(d0=1e-4)", 7)}.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static Config parse(String problem, String optimizer, long seed) {
      return of(ProblemConfig.parse(problem), OptimizerSpec.parse(optimizer), seed);
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

  private static final int MAGIC = 0x47534d32; // "GSM2"
  private static final int MAGIC_V1 = 0x47534d31; // "GSM1": fixed x/m/v arrays, not readable
  private static final String FILE = "simulated-plant.bin";

  private final Config config;
  private final Problem problem;
  private final int d;
  private final PlantOptimizer opt;
  private final Disturbance dist;
  private final RestorableUniformRandomProvider rng;
  private final NormalizedGaussianSampler gauss;

  private final OptimizerState state;
  private final double[] gradPoint;
  private final double[] evalPoint;

  private final PlantUndo undo;

  private final double[] g;
  private final double[] gPrev;
  private final double[] moves = new double[2];
  private boolean prevValid;
  private double lastMove;

  private long nextStep;
  private long examplesSeen;
  private final double initialLoss;

  private SimulatedTrainer(Config config, Problem problem) {
    this.config = config;
    this.problem = problem;
    this.d = problem.dim();
    this.opt = PlantOptimizer.create(config.optimizer(), d);
    this.dist = config.disturbance();
    this.rng = Rng.stream(config.seed(), Rng.STEPS);
    this.gauss = Rng.gauss(rng);
    state = opt.newState();
    g = new double[d];
    gPrev = new double[d];
    double[] start = new double[d];
    problem.start(start);
    opt.start(state, start);
    undo = new PlantUndo(opt, config.ringSize(), state);
    gradPoint = state.vectors[opt.gradientPoint()];
    evalPoint = state.vectors[opt.evaluationPoint()];
    initialLoss = problem.loss(evalPoint);
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
   * The exact (noise-free) objective at the evaluation point, as the objective is at step {@code
   * nextStep() − 1} (a curvature jump scales it). NaN/Inf when the parameters are.
   */
  public double exactLoss() {
    long s = Math.max(0, nextStep - 1);
    return dist.curvatureScale(s) * problem.loss(evalPoint);
  }

  /** The step the next call must run. */
  public long nextStep() {
    return nextStep;
  }

  /** Number of SKIP actions carried out. */
  public long skips() {
    return undo.skips();
  }

  /** Number of ROLLBACK actions carried out (including ones with an empty ring). */
  public long rollbacks() {
    return undo.rollbacks();
  }

  /** A copy of the current parameters: the evaluation point (the reported iterate). */
  public double[] parameters() {
    return evalPoint.clone();
  }

  /**
   * A copy of the point where the next gradient is drawn; equal to {@link #parameters()} except for
   * optimizers that evaluate the gradient elsewhere (Schedule-Free: y).
   */
  public double[] gradientPoint() {
    return gradPoint.clone();
  }

  /** The live optimizer state (for tests in this package). */
  OptimizerState optimizerState() {
    return state;
  }

  /**
   * The optimizer's scalar state by name, e.g. {@code d} (Prodigy, D-Adaptation), {@code alpha}
   * (hypergradient methods), {@code rbar} and {@code eta} (DoG), {@code k}/{@code t} (step counts);
   * in state order. Allocates; for inspection and tests, not the hot path.
   */
  public java.util.Map<String, Double> optimizerScalars() {
    java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
    String[] names = opt.scalarNames();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], state.scalars[i]);
    }
    return m;
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
    if (undo.apply(action, state)) {
      prevValid = false;
    }
    if (step % config.snapshotEvery() == 0) {
      undo.snapshot(state);
    }
    int batch = dist.batch(step, configuredBatch());
    double c = dist.curvatureScale(step) * dist.spike(step);
    double loss = problem.sample(gradPoint, g, batch, dist.noiseMultiplier(step), rng, gauss);
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
      xx += evalPoint[i] * evalPoint[i];
    }
    double gradNorm = Math.sqrt(gg);
    double paramNorm = Math.sqrt(xx);
    double alignment = Double.NaN;
    double sharpness = Double.NaN;
    if (prevValid) {
      double gpn = Vectors.norm(gPrev);
      alignment = gradNorm > 0 && gpn > 0 ? clamp(gp / (gradNorm * gpn)) : Double.NaN;
      sharpness = lastMove > 0 ? Math.sqrt(dg) / lastMove : Double.NaN;
    }
    int ve = problem.validationEvery();
    double valLoss =
        ve > 0 && (step + 1) % ve == 0 ? problem.validationLoss(gradPoint) : Double.NaN;
    double scale = gradNorm > clip ? clip / gradNorm : 1.0;
    undo.beforeStep(state);
    opt.step(state, g, scale, lr, wd, moves);
    double updateNorm = moves[PlantOptimizer.EVAL_MOVE];
    System.arraycopy(g, 0, gPrev, 0, d);
    prevValid = true;
    lastMove = moves[PlantOptimizer.GRAD_MOVE];
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
        valLoss,
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

  @Override
  public void saveCheckpoint(Path dir) throws IOException {
    AtomicFile.write(
        dir.resolve(FILE), os -> write(new DataOutputStream(new BufferedOutputStream(os))));
  }

  private void write(DataOutputStream out) throws IOException {
    {
      out.writeInt(MAGIC);
      out.writeUTF(describe());
      out.writeLong(nextStep);
      out.writeLong(examplesSeen);
      undo.writeCounts(out);
      state.write(out);
      undo.writeStates(out);
      OptimizerState.writeArray(out, gPrev);
      out.writeBoolean(prevValid);
      out.writeDouble(lastMove);
      byte[] rngState = ((RandomProviderDefaultState) rng.saveState()).getState();
      out.writeInt(rngState.length);
      out.write(rngState);
    }
    out.flush();
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
      int magic = in.readInt();
      if (magic == MAGIC_V1) {
        throw new IOException(
            "checkpoint "
                + file
                + " was written by an earlier version of the simulated plant (format GSM1) and"
                + " cannot be resumed by this one");
      }
      if (magic != MAGIC) {
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
      undo.readCounts(in);
      state.read(in);
      undo.readStates(in, file);
      OptimizerState.readArray(in, gPrev);
      prevValid = in.readBoolean();
      lastMove = in.readDouble();
      int n = in.readInt();
      if (n < 0 || n > 1024) {
        throw new IOException("checkpoint " + file + " has a damaged generator state");
      }
      byte[] rngState = new byte[n];
      in.readFully(rngState);
      rng.restoreState(new RandomProviderDefaultState(rngState));
    } catch (NoSuchFileException e) {
      throw new IOException("checkpoint " + file + " does not exist", e);
    } catch (java.io.EOFException e) {
      throw new IOException("checkpoint " + file + " is truncated", e);
    }
  }

  private String describe() {
    return config.problem()
        + " "
        + config.optimizer()
        + " seed="
        + config.seed()
        + " "
        + config.disturbance()
        + " ring="
        + config.ringSize()
        + "/"
        + config.snapshotEvery();
  }
}

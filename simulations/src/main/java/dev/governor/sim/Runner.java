package dev.governor.sim;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.report.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs simulated runs: one at a time ({@link #run(RunSpec)}) or many in parallel on all cores
 * ({@link #runAll}), joined before returning, results in input order. Each run builds its policy
 * fresh from its spec and calls {@link Policy#decide(Observation, Decision)} directly; runs share
 * nothing mutable, so results do not depend on the number of threads or their timing.
 */
public final class Runner {
  private final int threads;
  private final PrintStream progress;
  private final ConcurrentHashMap<String, Problem> problems = new ConcurrentHashMap<>();

  private Runner(int threads, PrintStream progress) {
    this.threads = threads;
    this.progress = progress;
  }

  /**
   * A runner on {@code threads} threads (0 = all cores) showing a progress bar on {@code progress}
   * (null = none).
   */
  public static Runner of(int threads, PrintStream progress) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, but was " + threads);
    }
    return new Runner(
        threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, progress);
  }

  /** Runs every spec in parallel and returns the results in the same order. */
  public List<RunResult> runAll(List<RunSpec> specs, String task) {
    long totalSteps = 0;
    for (RunSpec s : specs) {
      totalSteps += s.steps();
    }
    AtomicLong done = new AtomicLong();
    List<Callable<RunResult>> calls = new ArrayList<>(specs.size());
    for (RunSpec s : specs) {
      calls.add(() -> runCounting(s, done));
    }
    return parallel(calls, task, totalSteps, " ksteps", 1000, done);
  }

  /**
   * Runs arbitrary independent tasks in parallel on the runner's threads (a progress bar counts
   * finished tasks) and returns their results in input order. A task's exception is rethrown.
   */
  public <T> List<T> map(List<? extends Callable<T>> tasks, String task) {
    AtomicLong done = new AtomicLong();
    List<Callable<T>> calls = new ArrayList<>(tasks.size());
    for (Callable<T> c : tasks) {
      calls.add(
          () -> {
            T r = c.call();
            done.incrementAndGet();
            return r;
          });
    }
    return parallel(calls, task, tasks.size(), "", 1, done);
  }

  /**
   * Runs {@code calls} on a fixed pool (joined before returning) with a progress bar of {@code max}
   * units that follows {@code done}; results in input order, a call's exception rethrown.
   */
  private <T> List<T> parallel(
      List<Callable<T>> calls, String task, long max, String unit, long unitSize, AtomicLong done) {
    if (calls.isEmpty()) {
      return List.of();
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, calls.size()));
    Progress bar = Progress.none();
    try {
      if (progress != null) {
        Progress.Builder b = Progress.bar(task, progress).max(max).continuous();
        if (!unit.isEmpty()) {
          b.unit(unit, unitSize);
        }
        bar = b.start();
      }
      List<Future<T>> futures = new ArrayList<>(calls.size());
      for (Callable<T> c : calls) {
        futures.add(pool.submit(c));
      }
      List<T> out = new ArrayList<>(calls.size());
      for (Future<T> f : futures) {
        while (true) {
          try {
            out.add(f.get(200, java.util.concurrent.TimeUnit.MILLISECONDS));
            break;
          } catch (java.util.concurrent.TimeoutException e) {
            bar.stepTo(done.get());
          }
        }
        bar.stepTo(done.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + task, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(c);
    } finally {
      pool.shutdownNow();
      bar.close();
    }
  }

  private RunResult runCounting(RunSpec s, AtomicLong done) {
    RunResult r = run(s, problem(s));
    done.addAndGet(s.steps());
    return r;
  }

  private Problem problem(RunSpec s) {
    SimulatedTrainer.Config c = s.plant();
    return problems.computeIfAbsent(
        c.problem() + "#" + c.seed(), k -> c.problem().create(c.seed()));
  }

  /** Runs one spec on the calling thread. */
  public static RunResult run(RunSpec spec) {
    return run(spec, spec.plant().problem().create(spec.plant().seed()));
  }

  static RunResult run(RunSpec spec, Problem problem) {
    return run(spec, problem, Warmup.NONE, StepObserver.NONE);
  }

  /**
   * What a run does before its policy takes over: {@code steps} plant steps at the constant
   * learning rate {@code lr}, without clipping or weight decay, the policy not consulted. The run's
   * {@link RunSpec#steps()} and every count of its result start at the hand-over, and its
   * divergence limit is {@link RunResult#DIVERGENCE_FACTOR} × the exact loss at the hand-over.
   *
   * @param steps warm-up steps, {@code >= 0}
   * @param lr the learning rate held during them, finite {@code > 0} (ignored when steps is 0)
   */
  record Warmup(long steps, double lr) {
    /** No warm-up: the policy decides from step 0. */
    static final Warmup NONE = new Warmup(0, 1);

    /** Validates. */
    Warmup {
      if (steps < 0) {
        throw new IllegalArgumentException("warm-up steps must be >= 0, but was " + steps);
      }
      if (!(lr > 0) || !Double.isFinite(lr)) {
        throw new IllegalArgumentException("warm-up lr must be finite and > 0, but was " + lr);
      }
    }
  }

  /** Sees every step of a run after the hand-over, once the policy has decided. */
  @FunctionalInterface
  interface StepObserver {
    /** Observes nothing. */
    StepObserver NONE = (k, o, exactLoss, decision) -> {};

    /**
     * Called after the policy's decision on step {@code k} (counted from the hand-over); not called
     * for the step on which the run diverges.
     *
     * @param k steps since the hand-over, from 0
     * @param o the step's observation
     * @param exactLoss the exact loss after the step
     * @param decision the policy's decision (the runner's holder: read, do not keep)
     */
    void decided(long k, Observation o, double exactLoss, Decision decision);
  }

  /**
   * Runs one spec on {@code problem} after {@code warmup}, telling {@code observer} every decision.
   */
  static RunResult run(RunSpec spec, Problem problem, Warmup warmup, StepObserver observer) {
    SimulatedTrainer plant = SimulatedTrainer.of(spec.plant(), problem);
    Policy policy = Policies.create(spec.policy());
    Hyperparameters h = policy.initial();
    double lr = h.lr();
    double clip = h.clip();
    double wd = h.weightDecay();
    GuardAction action = h.action();
    Decision dec = new Decision();
    long steps = spec.steps();
    long first = warmup.steps();
    for (long t = 0; t < first; t++) {
      plant.step(t, warmup.lr(), Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    }
    double initial = first == 0 ? plant.initialLoss() : plant.exactLoss();
    double limit = RunResult.DIVERGENCE_FACTOR * initial;
    double target = spec.target();
    long tailStart = steps / 2;
    double tailSum = 0;
    long tailCount = 0;
    long reached = -1;
    long reachedStrict = -1;
    double strict = spec.strictTarget();
    double[] anytime = {
      Double.POSITIVE_INFINITY,
      Double.POSITIVE_INFINITY,
      Double.POSITIVE_INFINITY,
      Double.POSITIVE_INFINITY
    };
    long[] quarterAt = {
      Math.max(1, steps / 4) - 1,
      Math.max(1, steps / 2) - 1,
      Math.max(1, 3 * steps / 4) - 1,
      steps - 1
    };
    long divergedAt = -1;
    long clipped = 0;
    double last = initial;
    Trace trace = null;
    if (spec.traceEvery() > 0) {
      trace = new Trace((int) Math.min(Integer.MAX_VALUE - 8, steps / spec.traceEvery() + 2));
    }
    long k = 0;
    for (; k < steps; k++) {
      long t = first + k;
      Observation o = plant.step(t, lr, clip, wd, action);
      double exact = plant.exactLoss();
      last = exact;
      if (o.gradNorm() > clip) {
        clipped++;
      }
      if (trace != null && (t % spec.traceEvery() == 0 || k == steps - 1)) {
        trace.add(t, exact, o.loss(), o.gradNorm(), lr, clip, wd);
      }
      if (!(exact <= limit)) {
        divergedAt = t;
        break;
      }
      if (k >= tailStart) {
        tailSum += exact;
        tailCount++;
      }
      if (reached < 0 && exact <= target) {
        reached = k + 1;
      }
      if (reachedStrict < 0 && exact <= strict) {
        reachedStrict = k + 1;
      }
      for (int q = 0; q < 4; q++) {
        if (k == quarterAt[q]) {
          anytime[q] = exact;
        }
      }
      policy.decide(o, dec);
      lr = dec.lr;
      clip = dec.clip;
      wd = dec.weightDecay;
      action = dec.action;
      if (!(lr > 0) || !Double.isFinite(lr) || !(clip > 0) || !(wd >= 0) || !Double.isFinite(wd)) {
        throw new IllegalStateException(
            "policy "
                + spec.policy()
                + " decided lr="
                + lr
                + ", clip="
                + clip
                + ", wd="
                + wd
                + " after step "
                + t
                + " (a policy must never leave its domain)");
      }
      observer.decided(k, o, exact, dec);
    }
    boolean diverged = divergedAt >= 0;
    double tailMean = diverged ? Double.POSITIVE_INFINITY : tailSum / Math.max(1, tailCount);
    return new RunResult(
        spec,
        initial,
        last,
        tailMean,
        problem.minLoss(),
        diverged,
        divergedAt,
        reached,
        plant.skips(),
        plant.rollbacks(),
        dec.faults,
        (double) clipped / Math.max(1, Math.min(steps, k + 1)),
        problem.lambdaMax(),
        trace,
        reachedStrict,
        anytime);
  }
}

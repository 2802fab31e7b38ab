package dev.governor.cli;

import dev.governor.cli.BakeoffPlan.Done;
import dev.governor.cli.BakeoffPlan.Task;
import dev.governor.control.Policies;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.EarlyStopping;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The run pool of a {@code governor bakeoff} ({@link BakeoffCommand}): runs a phase's tasks on
 * {@code --jobs} threads, prints one progress line per finished run, and with {@code --record}
 * writes every held-out run as a run folder.
 */
final class BakeoffPool {
  private final int jobs;
  private final boolean quiet;

  /** The bake-off's output folder when held-out runs are recorded, else null. */
  private final Path recordDir;

  /** Early stopping for every run (null: none). */
  private final EarlyStopping.Config early;

  BakeoffPool(int jobs, boolean quiet, Path recordDir, EarlyStopping.Config early) {
    this.jobs = jobs;
    this.quiet = quiet;
    this.recordDir = recordDir;
    this.early = early;
  }

  /**
   * The run folder a recorded held-out run writes: DIR/runs/<workload>-<entry>-seed-<n>, the
   * entry's characters other than letters, digits, '.', '_' and '-' as '_' (pi@x1: pi_x1).
   */
  private RunFolder recordFolder(Task t) {
    String id =
        t.w().name + "-" + t.entry().replaceAll("[^A-Za-z0-9._-]", "_") + "-seed-" + t.seed();
    return RunFolder.create(
        recordDir.resolve("runs").resolve(id),
        RunHeader.of(id, t.spec(), Map.of("workload", t.w().name, "entry", t.entry()), t.seed()));
  }

  /** Runs {@code tasks} of {@code phase}; the results in the order of the tasks. */
  List<Done> execute(List<Task> tasks, PrintWriter stderr, String phase)
      throws InterruptedException {
    if (tasks.isEmpty()) {
      return List.of();
    }
    AtomicInteger count = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, tasks.size()));
    try {
      List<Future<Done>> fs = new ArrayList<>();
      for (Task t : tasks) {
        fs.add(
            pool.submit(
                () -> {
                  BakeoffWorkload.Run r =
                      t.w()
                          .run(
                              t.seed(),
                              Policies.create(t.spec()),
                              Dl4jOptimizer.parse(t.optimizer()),
                              recordDir != null && t.role().equals("heldout")
                                  ? recordFolder(t)
                                  : null,
                              early);
                  int k = count.incrementAndGet();
                  if (!quiet) {
                    synchronized (stderr) {
                      stderr.printf(
                          Locale.ROOT,
                          "bakeoff %s [%d/%d] %s %s%s seed %d: %s %.4f, target %s%s, %.1f s%n",
                          phase,
                          k,
                          tasks.size(),
                          t.w().name,
                          t.entry(),
                          t.role().startsWith("trial") ? " " + t.role() + " " + t.config() : "",
                          t.seed(),
                          t.w().metric(),
                          t.w().score(r),
                          r.stepsToTarget() < 0 ? "not reached" : "at " + r.stepsToTarget(),
                          r.earlyStop() == null
                              ? ""
                              : r.earlyStop().stopped()
                                  ? ", stopped after step " + r.earlyStop().stopStep()
                                  : ", whole budget",
                          r.wallSeconds());
                      stderr.flush();
                    }
                  }
                  return new Done(t, r);
                }));
      }
      List<Done> out = new ArrayList<>();
      for (Future<Done> f : fs) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(c);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}

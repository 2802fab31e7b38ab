package dev.governor.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runs under the dashboard's root: the {@link Catalog}, rescanned every {@value #SCAN_MILLIS}
 * ms, and the runs pages watch ({@link RunData}), tailed every {@value #TAIL_MILLIS} ms and closed
 * a minute ({@link #EVICT_NANOS}) after the last page let go of them. Every change bumps a
 * generation that the event streams wait on.
 */
final class RunWatch implements AutoCloseable {
  /** Tail period of watched runs. */
  static final int TAIL_MILLIS = 25;

  /** Rescan period of the root. */
  static final int SCAN_MILLIS = 2000;

  /** A run no page watches is closed after this long. */
  static final long EVICT_NANOS = 60_000_000_000L;

  private final Path root;
  private final ScheduledExecutorService tailer;
  private final ScheduledExecutorService scanner;
  private final Map<String, RunData> watched = new ConcurrentHashMap<>();
  private final Object signal = new Object();
  private long generation;
  private volatile Catalog catalog;
  private volatile boolean closing;
  private long ticks;

  /** Scans {@code root} once and starts the tailing and rescanning threads. */
  RunWatch(Path root) {
    this.root = root;
    catalog = Catalog.scan(root);
    tailer = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-tail"));
    scanner = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-scan"));
    tailer.scheduleWithFixedDelay(this::tailTick, TAIL_MILLIS, TAIL_MILLIS, TimeUnit.MILLISECONDS);
    scanner.scheduleWithFixedDelay(this::scanTick, SCAN_MILLIS, SCAN_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Daemon threads named {@code name-1}, {@code name-2}, ... */
  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private void tailTick() {
    try {
      long now = System.nanoTime();
      boolean check = ticks++ % (1000 / TAIL_MILLIS) == 0;
      boolean changed = false;
      for (RunData d : watched.values()) {
        changed |= d.poll(200_000, check, now);
        synchronized (this) {
          if (d.subscribers == 0 && now - d.releasedAtNanos > EVICT_NANOS) {
            watched.remove(d.id, d);
            d.close();
          }
        }
      }
      if (changed) {
        signal();
      }
    } catch (RuntimeException e) {
      // a run's failure is recorded in its RunData; anything else must not stop the tailing
    }
  }

  private void scanTick() {
    try {
      Catalog c = Catalog.scan(root);
      if (c.differs(catalog)) {
        catalog = c;
        signal();
      }
    } catch (RuntimeException e) {
      // Catalog.scan reports listing problems in the catalog; keep scanning
    }
  }

  private void signal() {
    synchronized (signal) {
      generation++;
      signal.notifyAll();
    }
  }

  /** The listing as of the last scan. */
  Catalog catalog() {
    return catalog;
  }

  /** Whether the server is closing (streams end). */
  boolean closing() {
    return closing;
  }

  /** The current generation, to {@link #await} a change after it. */
  long generation() {
    synchronized (signal) {
      return generation;
    }
  }

  /**
   * Waits up to {@code millis} for a change after generation {@code gen}.
   *
   * @return whether something changed
   */
  boolean await(long gen, long millis) throws InterruptedException {
    synchronized (signal) {
      if (generation == gen && !closing) {
        signal.wait(millis);
      }
      return generation != gen;
    }
  }

  /** The run folder of an id, or null when the id does not name one under the root. */
  Path runDir(String id) {
    if (id == null || id.isEmpty() || id.contains("\\") || id.startsWith("/")) {
      return null;
    }
    for (String part : id.split("/")) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    Path dir = root.resolve(id).normalize();
    if (!dir.startsWith(root) || !Files.isRegularFile(dir.resolve("run.json"))) {
      return null;
    }
    return dir;
  }

  /** The message for an id {@link #runDir} does not find. */
  String noRunFolder(String id) {
    return "no run folder '" + id + "' under " + root;
  }

  /** The watched run of {@code id} (opened and read to its end when no page watched it). */
  RunData acquire(String id, Path dir) {
    RunData d;
    boolean fresh = false;
    synchronized (this) {
      d = watched.get(id);
      if (d == null) {
        d = new RunData(id, dir);
        watched.put(id, d);
        fresh = true;
      }
      d.subscribers++;
    }
    if (fresh) {
      d.catchUp(System.nanoTime());
    }
    return d;
  }

  /** Lets go of a run {@link #acquire}d. */
  synchronized void release(RunData d) {
    d.subscribers--;
    d.releasedAtNanos = System.nanoTime();
  }

  /** Marks the watch as closing and wakes every waiting stream. */
  void stopping() {
    closing = true;
    synchronized (signal) {
      generation++;
      signal.notifyAll();
    }
  }

  /** Stops the threads and closes the watched runs. */
  @Override
  public void close() {
    stopping();
    tailer.shutdownNow();
    scanner.shutdownNow();
    try {
      tailer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (RunData d : watched.values()) {
      d.close();
    }
    watched.clear();
  }
}

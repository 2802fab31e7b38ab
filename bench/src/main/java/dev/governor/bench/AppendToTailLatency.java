package dev.governor.bench;

import dev.governor.control.Observation;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Append→tail latency of the telemetry queue: a writer appends an 8-layer {@link Observation} every
 * {@code intervalNanos}, carrying its {@link System#nanoTime()} send stamp in the {@code loss}
 * field (exact in a double up to 2⁵³ ns); a tailer busy-polls the same queue and records {@code
 * receive − send} in an HdrHistogram. {@code nanoTime} is CLOCK_MONOTONIC on Linux, shared by every
 * process on the machine, so the same measurement works with the writer in a child JVM.
 *
 * <p>The writer first appends a burst of {@value #BURST} unmeasured records (loss NaN, skipped by
 * the tailer) at full speed, so that both sides' append and read paths are compiled before the
 * paced records start (the measured warm-up alone is too short for the JIT on a loaded 2-core
 * machine). Between paced records the writer parks (as a trainer computes between steps; it does
 * not spin); with the environment variable {@code GOVERNOR_BENCH_PACING=spin} it spins instead.
 * Measured on the 2-core build machine at load ~1: park gave p99 5.1 µs in process and 3.1 µs
 * across processes, spin gave 166 µs and 17 µs — a spinning pacer plus the busy-polling tailer
 * occupy both cores, and every JIT, GC or Chronicle housekeeping thread then preempts one of them,
 * so the tail percentiles measure the scheduler rather than the queue. Anything else running on the
 * machine shows up in the tail percentiles.
 */
final class AppendToTailLatency {
  private AppendToTailLatency() {}

  /** Unmeasured records appended at full speed before the paced ones (JIT warm-up). */
  static final int BURST = 100_000;

  /** {@code GOVERNOR_BENCH_PACING=spin}: the writer spins between records instead of parking. */
  static final boolean SPIN = "spin".equals(System.getenv("GOVERNOR_BENCH_PACING"));

  /** Latency percentiles in microseconds. */
  record Result(long samples, double p50us, double p99us, double p999us, double maxUs) {
    static Result of(Histogram h) {
      return new Result(
          h.getTotalCount(),
          h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(99) / 1e3,
          h.getValueAtPercentile(99.9) / 1e3,
          h.getMaxValue() / 1e3);
    }
  }

  /** Writer and tailer in this JVM, on two threads. */
  static Result inProcess(int warmup, int samples, long intervalNanos) throws Exception {
    Path dir = Files.createTempDirectory("governor-bench-latency");
    try (TelemetryLog log = TelemetryLog.open(dir)) {
      int total = warmup + samples;
      Thread writer =
          new Thread(
              () -> {
                try (TelemetryLog.Appender a = log.appender()) {
                  write(a, total, intervalNanos);
                }
              },
              "bench-writer");
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
      try (TelemetryLog.Tailer t = log.tailer()) {
        writer.start();
        tail(t, warmup, total, h, TimeUnit.SECONDS.toNanos(60));
      }
      writer.join();
      return Result.of(h);
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /** Writer in a child JVM (same classpath and JVM flags), tailer in this one. */
  static Result crossProcess(int warmup, int samples, long intervalNanos) throws Exception {
    Path dir = Files.createTempDirectory("governor-bench-latency2");
    Process child = null;
    try (TelemetryLog log = TelemetryLog.open(dir)) {
      int total = warmup + samples;
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("--add-") || arg.startsWith("-Xmx")) {
          cmd.add(arg);
        }
      }
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(AppendToTailLatency.class.getName());
      cmd.add(dir.toString());
      cmd.add(Integer.toString(total));
      cmd.add(Long.toString(intervalNanos));
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
      try (TelemetryLog.Tailer t = log.tailer()) {
        child = new ProcessBuilder(cmd).inheritIO().start();
        tail(t, warmup, total, h, TimeUnit.SECONDS.toNanos(120));
      }
      if (child.waitFor() != 0) {
        throw new IllegalStateException("latency writer child exited with " + child.exitValue());
      }
      return Result.of(h);
    } finally {
      if (child != null && child.isAlive()) {
        child.destroyForcibly();
      }
      Files2.deleteTree(dir);
    }
  }

  private static void write(TelemetryLog.Appender a, int total, long intervalNanos) {
    Observation.Builder b = TelemetryAppendBench.sampleObservation(0).toBuilder();
    Observation burst = b.loss(Double.NaN).build();
    for (int i = 0; i < BURST; i++) {
      a.append(burst);
    }
    long next = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long wait;
      while ((wait = next - System.nanoTime()) > 0) {
        if (SPIN) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(wait);
        }
      }
      long sent = System.nanoTime();
      a.append(b.step(i).loss((double) sent).build());
      next = sent + intervalNanos;
    }
  }

  private static void tail(
      TelemetryLog.Tailer t, int warmup, int total, Histogram h, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    int seen = 0;
    while (seen < total) {
      Observation o = t.poll();
      long now = System.nanoTime();
      if (o == null) {
        if (now > deadline) {
          throw new IllegalStateException("latency tailer timed out after " + seen + " records");
        }
        Thread.onSpinWait();
        continue;
      }
      if (Double.isNaN(o.loss())) {
        continue; // a warm-up burst record
      }
      if (seen >= warmup) {
        h.recordValue(Math.max(0, now - (long) o.loss()));
      }
      seen++;
    }
  }

  /** Child-process writer: {@code dir total intervalNanos}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      write(a, Integer.parseInt(args[1]), Long.parseLong(args[2]));
    }
  }
}

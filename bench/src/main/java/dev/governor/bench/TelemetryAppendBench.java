package dev.governor.bench;

import dev.governor.control.Observation;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Telemetry append throughput: records per second for an {@link Observation} with 8 layers appended
 * to a Chronicle-backed {@link TelemetryLog} (one writer thread). Each iteration writes to a fresh
 * queue in a temporary folder, deleted afterwards.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TelemetryAppendBench {
  private Path dir;
  private TelemetryLog log;
  private TelemetryLog.Appender appender;
  private final Observation obs = sampleObservation(0);

  /** An observation with every field and 8 layers set. */
  static Observation sampleObservation(long step) {
    double[] layers = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    return Observation.builder(step)
        .loss(0.5)
        .gradNorm(1.25)
        .paramNorm(10)
        .updateNorm(0.01)
        .alignment(-0.1)
        .sharpness(3)
        .batchSize(128)
        .lr(0.1)
        .clip(2)
        .weightDecay(1e-4)
        .layerGradNorms(layers)
        .layerParamNorms(layers)
        .layerUpdateNorms(layers)
        .build();
  }

  @Setup(Level.Iteration)
  public void open() throws IOException {
    dir = Files.createTempDirectory("governor-bench-append");
    log = TelemetryLog.open(dir);
    appender = log.appender();
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    appender.close();
    log.close();
    Files2.deleteTree(dir);
  }

  @Benchmark
  public void append() {
    appender.append(obs);
  }
}

package dev.governor.bench;

import dev.governor.telemetry.Interchange;
import dev.governor.telemetry.TfRecord;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streaming import of a large TensorBoard event file: a file in PyTorch {@code SummaryWriter}'s
 * layout (one {@code simple_value} scalar per event; tags {@code Loss/train}, {@code grad_norm},
 * {@code lr}, {@code epoch} at every step) is imported by {@code governor import --format tfevents}
 * in a child JVM whose heap is capped (default 64 MB), so a completed import shows the memory does
 * not grow with the file. The child reports the import's seconds (cold JVM, one run) and the peak
 * heap its memory pools saw.
 */
public final class TfImportBench {
  private TfImportBench() {}

  /** The measured import. */
  public record Result(
      long scalars,
      long fileBytes,
      double seconds,
      double cpuSeconds,
      double peakHeapMb,
      int xmxMb,
      double loadAverage) {}

  /** Writes the event file: {@code steps} steps of 4 scalars each. */
  public static long writeFile(Path file, int steps) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      ByteArrayOutputStream ev = new ByteArrayOutputStream();
      ev.write(0x09);
      TfRecord.fixed64(ev, Double.doubleToLongBits(1.7672256e9));
      TfRecord.bytesField(ev, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8));
      TfRecord.write(out, ev.toByteArray());
      String[] tags = {"Loss/train", "grad_norm", "lr", "epoch"};
      for (int s = 0; s < steps; s++) {
        double loss = 2.0 / (1 + 0.001 * s);
        double[] v = {loss, 0.5 + loss, 1e-3, s / 1000};
        for (int k = 0; k < 4; k++) {
          ev.reset();
          ev.write(0x09);
          TfRecord.fixed64(ev, Double.doubleToLongBits(1.7672256e9 + s * 0.01));
          ev.write(0x10);
          TfRecord.varint(ev, s);
          ByteArrayOutputStream val = new ByteArrayOutputStream();
          TfRecord.bytesField(val, 1, tags[k].getBytes(StandardCharsets.UTF_8));
          val.write(0x15);
          TfRecord.fixed32(val, Float.floatToIntBits((float) v[k]));
          ByteArrayOutputStream sum = new ByteArrayOutputStream();
          TfRecord.bytesField(sum, 1, val.toByteArray());
          TfRecord.bytesField(ev, 5, sum.toByteArray());
          TfRecord.write(out, ev.toByteArray());
        }
      }
    }
    return 4L * steps;
  }

  /**
   * Writes the file, imports it in a child JVM with {@code -Xmx<xmxMb>m} and returns the figures.
   */
  public static Result measure(int steps, int xmxMb) throws Exception {
    Path dir = Files.createTempDirectory("governor-tfimport");
    try {
      Path file = dir.resolve("events.out.tfevents.1767225600.bench");
      long scalars = writeFile(file, steps);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String f : BenchRunner.jvmFlags()) {
        if (!f.startsWith("-Xmx")) {
          cmd.add(f);
        }
      }
      cmd.add("-Xmx" + xmxMb + "m");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(TfImportBench.class.getName());
      cmd.add(file.toString());
      cmd.add(dir.resolve("run").toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("the import child failed: " + out);
      }
      String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
      String[] f = last.split(" ");
      return new Result(
          scalars,
          Files.size(file),
          Double.parseDouble(f[0]),
          Double.parseDouble(f[1]),
          Double.parseDouble(f[2]),
          xmxMb,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /**
   * The child: {@code TfImportBench FILE RUN_DIR}; prints "wall_seconds cpu_seconds peak_heap_mb"
   * (the CPU time of the whole process, JIT and GC threads included).
   */
  public static void main(String[] args) {
    for (MemoryPoolMXBean m : ManagementFactory.getMemoryPoolMXBeans()) {
      if (m.getType() == MemoryType.HEAP) {
        m.resetPeakUsage();
      }
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long c0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Interchange.ImportReport r =
        Interchange.importAny(Path.of(args[0]), "tfevents", Path.of(args[1]), Map.of(), false);
    double secs = (System.nanoTime() - t0) / 1e9;
    double cpu = (os.getProcessCpuTime() - c0) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean m : ManagementFactory.getMemoryPoolMXBeans()) {
      if (m.getType() == MemoryType.HEAP) {
        peak += m.getPeakUsage().getUsed();
      }
    }
    if (r.imported() <= 0) {
      throw new IllegalStateException("nothing imported");
    }
    System.out.println(String.format(Locale.ROOT, "%.3f %.3f %.1f", secs, cpu, peak / 1048576.0));
  }
}

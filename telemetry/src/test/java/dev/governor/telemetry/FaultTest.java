package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A full disk, a second writer and damaged cycle files: every complete record stays readable, the
 * queue can be appended to again, and anything else is one line naming the file.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultTest {
  @TempDir Path tmp;

  @Test
  void injectedDiskFullFailsBeforeTheRecordAndKeepsEveryEarlierOne() {
    Path dir = tmp.resolve("t");
    System.setProperty(QueueAppender.FAULTS_PROPERTY, "telemetry:enospc@101");
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      for (int i = 0; i < 100; i++) {
        a.append(Fixtures.observation(i, 8));
      }
      DiskFullException e =
          assertThrows(DiskFullException.class, () -> a.append(Fixtures.observation(100, 8)));
      assertTrue(e.getMessage().startsWith("disk full: "), e.getMessage());
      assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      // nothing is written after a failed append
      assertSame(
          e, assertThrows(DiskFullException.class, () -> a.appendEvent(EventKind.END, 100, 99)));
    } finally {
      System.clearProperty(QueueAppender.FAULTS_PROPERTY);
    }
    // space is back: the queue continues where it stopped
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      for (int i = 100; i < 150; i++) {
        a.append(Fixtures.observation(i, 8));
      }
    }
    assertReadsBack(dir, 150);
  }

  @Test
  void fullTmpfsIsMetBeforeAnyRecordIsTornAndTheQueueResumesWhenSpaceIsBack() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    String why = mount(mnt, "2m");
    if (why != null) {
      System.err.println("FaultTest: skipping the tmpfs disk-full test: " + why);
      Assumptions.abort(why);
    }
    try {
      Path dir = mnt.resolve("t");
      long n = 0;
      try (TelemetryLog log = TelemetryLog.open(dir);
          TelemetryLog.Appender a = log.appender()) {
        DiskFullException full = null;
        while (full == null && n < 1_000_000) {
          try {
            a.append(Fixtures.observation(n, 8));
            n++;
          } catch (DiskFullException e) {
            full = e;
          }
        }
        assertTrue(full != null, "a 2 MiB file system fills up");
        assertTrue(full.getMessage().contains("no space left on device"), full.getMessage());
      }
      // 312-byte records in 2 MiB shared with the queue's metadata: thousands fit
      assertTrue(n > 2000, "records before the disk filled: " + n);
      assertReadsBack(dir, n);
      assertEquals(0, run("mount", "-o", "remount,size=16m", mnt.toString()), "remount");
      try (TelemetryLog log = TelemetryLog.open(dir);
          TelemetryLog.Appender a = log.appender()) {
        for (long i = n; i < n + 1000; i++) {
          a.append(Fixtures.observation(i, 8));
        }
      }
      assertReadsBack(dir, n + 1000);
    } finally {
      run("umount", "-l", mnt.toString());
    }
  }

  @Test
  void aSecondWriterProcessIsRefusedWhileTheFirstLivesAndAdmittedOnceItIsGone() throws Exception {
    Path dir = tmp.resolve("t");
    long pid;
    try (ChildJvm child = ChildJvm.start("stream", dir.toString())) {
      child.expect("WROTE");
      pid = child.process.pid();
      try (TelemetryLog log = TelemetryLog.open(dir)) {
        TelemetryException e = assertThrows(TelemetryException.class, log::appender);
        assertTrue(e.getMessage().contains("pid " + pid + " host "), e.getMessage());
        assertTrue(
            e.getMessage().contains(dir.toAbsolutePath().resolve("writer.lock").toString()),
            e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
      }
      // readers are never refused
      try (TelemetryLog log = TelemetryLog.openReadOnly(dir);
          TelemetryLog.Tailer t = log.tailer()) {
        assertEquals(Fixtures.observation(0, 8), t.poll());
      }
      child.process.destroyForcibly();
      child.process.waitFor();
    }
    long had;
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      had = log.scan().observations();
    }
    // the holder was killed: its lock went with it
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      a.append(Fixtures.observation(had, 8));
    }
    assertReadsBack(dir, had + 1);
    assertEquals(Optional.empty(), WriterLock.holder(dir));
  }

  /**
   * Threads of one process probing the same lock file at once (a trainer and its cluster link
   * opening one resumed run's queues): the JVM refuses a second lock on a file one of its channels
   * holds, which escaped the probe as OverlappingFileLockException and failed the open. The lock
   * file names a holder that is gone, so each probe takes the lock for a moment.
   */
  @Test
  void threadsOfOneProcessProbeTheSameLockFileAtOnce() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("probed"));
    Files.writeString(dir.resolve(WriterLock.FILE), "pid 2147483646 host gone\n");
    int threads = 4;
    int probes = 2000;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger answered =
        new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> all = new java.util.ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int k = 0; k < probes; k++) {
                    if (WriterLock.holder(dir).isEmpty()) {
                      answered.incrementAndGet();
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      t.start();
      all.add(t);
    }
    for (Thread t : all) {
      t.join();
    }
    assertNull(failure.get());
    assertEquals(threads * probes, answered.get()); // nobody holds it: every probe says so
  }

  @ParameterizedTest
  @ValueSource(strings = {"zeroed", "emptied", "deleted", "head-zeroed", "truncated"})
  void aDamagedCycleFileIsRefusedInOneLineNotReadAsAShorterRun(String damage) throws Exception {
    Path dir = tmp.resolve("t");
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      for (int i = 0; i < 3000; i++) {
        a.append(Fixtures.observation(i, 8));
      }
    }
    Path file = cycleFile(dir);
    long size = Files.size(file);
    switch (damage) {
      case "zeroed" -> zero(file, 0, 4 << 20);
      case "emptied" -> truncate(file, 0);
      case "deleted" -> Files.delete(file);
      case "head-zeroed" -> zero(file, 0, 4096);
      default -> truncate(file, 100_000); // 3000 records of 316 bytes run to ~950 kB
    }
    assertTrue(size > 100_000);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> {
              try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
                try (var observations = log.observations()) {
                  observations.forEach(o -> {});
                }
                log.scan();
              }
            });
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.contains(dir.toAbsolutePath().toString()), m);
    String expect =
        switch (damage) {
          case "zeroed", "head-zeroed" -> "bytes are zero";
          case "emptied" -> "it is empty (0 bytes)";
          case "deleted" -> "has no cycle file (*.cq4), but a writer appended to it";
          default -> "truncated";
        };
    assertTrue(m.contains(expect), m);
  }

  private static void assertReadsBack(Path dir, long n) {
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      try (TelemetryLog.Tailer t = log.tailer()) {
        for (long i = 0; i < n; i++) {
          assertEquals(Fixtures.observation(i, 8), t.poll(), "record " + i);
        }
        assertNull(t.poll(), "nothing after record " + (n - 1));
      }
      LogScan scan = log.scan();
      assertEquals(n, scan.observations());
      assertEquals(Optional.empty(), scan.tornTail(), "no torn record");
    }
  }

  private static Path cycleFile(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".cq4")).toList();
      assertEquals(1, files.size(), "one cycle file");
      return files.get(0);
    }
  }

  private static void zero(Path f, long from, int n) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(from);
      raf.write(new byte[n]);
    }
  }

  private static void truncate(Path f, long size) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
    }
  }

  /** Mounts a tmpfs of {@code size} on {@code dir}; the reason it cannot, or null. */
  private static String mount(Path dir, String size) {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "mounting a tmpfs needs root, and this runs as " + System.getProperty("user.name");
    }
    int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    return rc == 0 ? null : "mount -t tmpfs failed (exit " + rc + "), e.g. in a container";
  }

  private static int run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}

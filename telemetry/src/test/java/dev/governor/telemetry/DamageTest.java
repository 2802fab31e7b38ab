package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.ExcerptAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Killed writers, flipped bits and foreign files: every complete record or one clear error. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DamageTest {
  @TempDir Path tmp;

  @Test
  void writerKilledMidRecordLeavesEveryCompleteRecordAndReportsTheTornTail() throws Exception {
    Path dir = tmp.resolve("t");
    int n = 3000;
    try (ChildJvm child = ChildJvm.start("torn", dir.toString(), "" + n)) {
      child.expect("READY"); // n records written, record n half written
      child.process.destroyForcibly();
      child.process.waitFor();
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      try (TelemetryLog.Tailer t = log.tailer()) {
        for (int i = 0; i < n; i++) {
          assertEquals(Fixtures.observation(i, 8), t.poll(), "record " + i);
        }
        assertNull(t.poll(), "the torn record is not returned");
      }
      LogScan scan = log.scan();
      assertEquals(n, scan.observations());
      assertEquals(n - 1, scan.lastStep());
      assertTrue(scan.tornTail().isPresent(), "the torn tail is reported");
      assertTrue(scan.tornTail().get().contains(".cq4 at byte "), scan.tornTail().get());
    }
  }

  @Test
  void aNewWriterAppendsAfterAWriterKilledMidRecord() throws Exception {
    // the resume path: a writer SIGKILLed inside a record (its write lock held by a dead process,
    // the record's header reserved but never completed); a new writer then opens the queue
    Path dir = tmp.resolve("t");
    int n = 500;
    try (ChildJvm child = ChildJvm.start("torn", dir.toString(), "" + n)) {
      child.expect("READY");
      child.process.destroyForcibly();
      child.process.waitFor();
    }
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      for (int i = n; i < n + 100; i++) {
        a.append(Fixtures.observation(i, 8));
      }
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      try (TelemetryLog.Tailer t = log.tailer()) {
        for (int i = 0; i < n + 100; i++) {
          assertEquals(Fixtures.observation(i, 8), t.poll(), "record " + i);
        }
        assertNull(t.poll(), "nothing else, in particular not the torn record");
      }
      LogScan scan = log.scan();
      assertEquals(n + 100, scan.observations());
      assertTrue(scan.stepsIncreasing());
      assertEquals(java.util.Optional.empty(), scan.tornTail(), "the new records replaced it");
    }
  }

  @Test
  void writerKilledAtARandomMomentLosesNothingItCompleted() throws Exception {
    Path dir = tmp.resolve("t");
    long wrote;
    try (ChildJvm child = ChildJvm.start("stream", dir.toString())) {
      String line;
      do {
        line = child.expect("WROTE");
        wrote = Long.parseLong(line.substring(6).trim());
      } while (wrote < 20_000);
      child.process.destroyForcibly();
      child.process.waitFor();
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir);
        var observations = log.observations()) {
      long got = 0;
      for (Observation o : (Iterable<Observation>) observations::iterator) {
        assertEquals(Fixtures.observation(got, 8), o, "record " + got);
        got++;
      }
      assertTrue(got >= wrote, "every record reported written is there: " + got + " >= " + wrote);
      assertEquals(got, log.scan().observations());
    }
  }

  private static Path writeQueue(Path dir, int n) {
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      for (int i = 0; i < n; i++) {
        a.append(Fixtures.observation(i, 8));
      }
    }
    return cycleFile(dir);
  }

  private static Path cycleFile(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".cq4")).toList();
      assertEquals(1, files.size(), "one cycle file");
      return files.get(0);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Offset of the first byte of the payload of record 0 (after its header). */
  private static long firstRecordOffset(Path file) throws IOException {
    // find the tag of the first record: "GV" kind 1 version 2, little endian 02 01 56 47
    byte[] all = Files.readAllBytes(file);
    for (int i = 0; i + 4 <= all.length; i += 4) {
      if (all[i] == Records.VERSION
          && all[i + 1] == 1
          && all[i + 2] == 0x56
          && all[i + 3] == 0x47) {
        return i;
      }
    }
    throw new AssertionError("no record tag in " + file);
  }

  private static void assertOneLineNaming(TelemetryException e, Path file) {
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private static void readAll(TelemetryLog log) {
    try (var observations = log.observations()) {
      observations.forEach(o -> {});
    }
  }

  @Test
  void flippedBitInARecordIsReportedNotReturned() throws Exception {
    Path dir = tmp.resolve("t");
    Path file = writeQueue(dir, 100);
    long first = firstRecordOffset(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long at = first + 8 + 8 + 16 + 3; // inside record 0's loss (after tag, length, step, 4 ints)
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0x10);
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      TelemetryException e = assertThrows(TelemetryException.class, () -> readAll(log));
      assertOneLineNaming(e, file);
      assertTrue(e.getMessage().contains(": record #0 of cycle "), e.getMessage());
      assertTrue(e.getMessage().endsWith(" is corrupt (checksum mismatch)"), e.getMessage());
      e = assertThrows(TelemetryException.class, log::scan);
      assertOneLineNaming(e, file);
    }
  }

  @Test
  void garbageCycleFileGivesOneErrorNamingIt() throws Exception {
    Path dir = tmp.resolve("t");
    Path file = writeQueue(dir, 10);
    byte[] junk = new byte[4096];
    new java.util.Random(7).nextBytes(junk);
    Files.write(file, junk);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> {
              try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
                readAll(log);
                log.scan();
              }
            });
    assertOneLineNaming(e, file);
  }

  @Test
  void foreignChronicleQueueIsRecognised() throws Exception {
    Path dir = tmp.resolve("t");
    ChronicleLog raw = ChronicleLog.open(dir, "telemetry", false);
    ExcerptAppender a = raw.createAppender();
    a.writeText("hello from another program, long enough to look like a record");
    raw.close();
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      TelemetryException e = assertThrows(TelemetryException.class, () -> readAll(log));
      assertOneLineNaming(e, cycleFile(dir));
      assertTrue(e.getMessage().contains("is not a Governor record"), e.getMessage());
    }
  }

  @Test
  void newerSchemaIsNamed() throws Exception {
    Path dir = tmp.resolve("t");
    Path file = writeQueue(dir, 1);
    long first = firstRecordOffset(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(first);
      raf.write(Records.VERSION + 1); // version byte of the tag
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      TelemetryException e = assertThrows(TelemetryException.class, () -> readAll(log));
      assertTrue(
          e.getMessage()
              .endsWith(
                  "has schema version 3, but this reader understands versions 1 to 2 (written by"
                      + " a newer Governor)"),
          e.getMessage());
    }
  }

  @Test
  void garbageMetadataFileGivesOneErrorNamingTheQueue() throws Exception {
    Path dir = tmp.resolve("t");
    writeQueue(dir, 10);
    Path meta;
    try (Stream<Path> s = Files.list(dir)) {
      meta = s.filter(p -> p.toString().endsWith(".cq4t")).findFirst().orElseThrow();
    }
    Files.writeString(meta, "this is not a table store");
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> {
              try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
                readAll(log);
              }
            });
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void truncatedCycleFileKeepsTheRecordsBeforeTheCut() throws Exception {
    Path dir = tmp.resolve("t");
    Path file = writeQueue(dir, 100);
    long first = firstRecordOffset(file);
    long recordBytes = 4 + 8 + 8 + 4 * 4 + 80 + 3 * 8 * 8 + 8; // header + payload
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(first - 4 + 10 * recordBytes + 20); // ten records and a bit of the 11th
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir);
        TelemetryLog.Tailer t = log.tailer()) {
      for (int i = 0; i < 10; i++) {
        assertEquals(Fixtures.observation(i, 8), t.poll(), "record " + i + " before the cut");
      }
      // the 11th record's header survived, its payload did not: one clear error, not a record
      TelemetryException e = assertThrows(TelemetryException.class, t::poll);
      assertOneLineNaming(e, file);
      assertTrue(e.getMessage().contains("record #10 of cycle"), e.getMessage());
      assertOneLineNaming(assertThrows(TelemetryException.class, log::scan), file);
    }
  }

  @Test
  void folderWithoutAQueueIsNamed() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    TelemetryException e =
        assertThrows(TelemetryException.class, () -> TelemetryLog.openReadOnly(dir));
    assertEquals(
        "telemetry queue not found: "
            + dir.toAbsolutePath()
            + " holds no Chronicle Queue files (*.cq4t)",
        e.getMessage());
  }
}

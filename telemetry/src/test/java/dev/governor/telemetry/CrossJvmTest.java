package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM writes while this one tails, and the other way round. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossJvmTest {
  @TempDir Path tmp;

  @Test
  void tailsWhatAChildJvmWritesWhileItWrites() throws Exception {
    Path dir = tmp.resolve("t");
    int n = 20_000;
    int half = 10_000;
    TelemetryLog.open(dir).close(); // the queue exists before either side opens it
    try (ChildJvm child = ChildJvm.start("write", dir.toString(), "" + n, "" + half);
        TelemetryLog log = TelemetryLog.openReadOnly(dir);
        TelemetryLog.Tailer t = log.tailer()) {
      child.expect("HALF");
      int got = 0;
      // the child is paused after `half` records: all of them are readable now, and no more
      while (got < half) {
        Observation o = t.poll();
        assertTrue(o != null, "record " + got + " of the first half is readable");
        assertEquals(Fixtures.observation(got, 8), o);
        got++;
      }
      assertEquals(null, t.poll(), "the child has written nothing past the half yet");
      child.in.println("GO");
      while (got < n) {
        Observation o = t.poll();
        if (o == null) {
          assertTrue(child.process.isAlive() || t.poll() != null || got == n, "child died early");
          Thread.onSpinWait();
          continue;
        }
        assertEquals(Fixtures.observation(got, 8), o);
        got++;
      }
      child.expect("DONE");
      assertEquals(0, child.process.waitFor());
      assertEquals(n, got);
    }
  }

  @Test
  void aChildJvmTailsWhatThisOneWrites() throws Exception {
    Path dir = tmp.resolve("t");
    int n = 20_000;
    try (TelemetryLog log = TelemetryLog.open(dir);
        TelemetryLog.Appender a = log.appender()) {
      a.append(Fixtures.observation(0, 8));
      try (ChildJvm child = ChildJvm.start("tail", dir.toString(), "" + n)) {
        child.expect("READY");
        for (int i = 1; i < n; i++) {
          a.append(Fixtures.observation(i, 8));
        }
        assertEquals("OK " + n, child.expect("OK").trim() + "", "the child read every record");
        assertEquals(0, child.process.waitFor());
      }
    }
  }
}

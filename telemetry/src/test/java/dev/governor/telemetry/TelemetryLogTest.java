package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryLogTest {
  @TempDir Path tmp;

  @Test
  void roundTripsEveryFieldBitForBit() {
    List<Observation> written = new ArrayList<>();
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender()) {
      for (int s = 0; s < 500; s++) {
        Observation o = Fixtures.observation(s, s % 2 == 0 ? 8 : 0);
        written.add(o);
        a.append(o);
      }
      // extremes: NaN with a payload, infinities, negative zero, no layers
      Observation odd =
          Observation.builder(500)
              .loss(Double.POSITIVE_INFINITY)
              .gradNorm(Double.longBitsToDouble(0x7ff8_0000_0000_1234L))
              .alignment(-0.0)
              .valLoss(Double.NEGATIVE_INFINITY)
              .layerGradNorms(1, 2, 3)
              .build();
      written.add(odd);
      a.append(odd);
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(tmp.resolve("t"));
        TelemetryLog.Tailer t = log.tailer()) {
      for (Observation expected : written) {
        Observation got = t.poll();
        assertEquals(expected, got);
        assertNotSame(expected, got);
      }
      assertNull(t.poll(), "nothing after the last record");
      assertEquals(500, t.lastStep());
      Observation last = written.get(written.size() - 1);
      assertEquals(0x7ff8_0000_0000_1234L, Double.doubleToRawLongBits(last.gradNorm()));
    }
  }

  @Test
  void readersReturnFreshObjects() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"))) {
      try (TelemetryLog.Appender a = log.appender()) {
        a.append(Fixtures.observation(0, 8));
        a.append(Fixtures.observation(1, 8));
      }
      try (TelemetryLog.Tailer t = log.tailer()) {
        Observation first = t.poll();
        Observation second = t.poll();
        assertNotSame(first, second);
        assertEquals(Fixtures.observation(0, 8), first, "first is not overwritten by the second");
      }
    }
  }

  @Test
  void eventsInterleaveAndPlainPollSkipsThem() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"))) {
      try (TelemetryLog.Appender a = log.appender()) {
        a.append(Fixtures.observation(0, 2));
        a.appendEvent(EventKind.TIMEOUT, 0, 3.0);
        a.appendEvent(EventKind.ROLLBACK, 1, Double.NaN);
        a.append(Fixtures.observation(1, 2));
      }
      try (TelemetryLog.Tailer t = log.tailer()) {
        assertEquals(0, t.poll().step());
        assertEquals(1, t.poll().step());
        assertNull(t.poll());
      }
      List<Object> seen = Fixtures.values(log.records());
      assertEquals(
          List.of(
              Fixtures.observation(0, 2),
              new Event(EventKind.TIMEOUT, 0, 3.0),
              new Event(EventKind.ROLLBACK, 1, Double.NaN),
              Fixtures.observation(1, 2)),
          seen);
      LogScan scan = log.scan();
      assertEquals(2, scan.observations());
      assertEquals(2, scan.events());
      assertEquals(0, scan.firstStep());
      assertEquals(1, scan.lastStep());
      assertTrue(scan.stepsIncreasing());
      assertTrue(scan.tornTail().isEmpty());
    }
  }

  @Test
  void tailsFromAStepByBinarySearch() {
    // steps 0, 3, 6, ..., 2997 (1000 records, > one 1024-record index span is not needed here)
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"))) {
      try (TelemetryLog.Appender a = log.appender()) {
        for (int i = 0; i < 3000; i++) {
          a.append(Fixtures.observation(3L * i, 0));
        }
      }
      long[][] cases = {
        {0, 0}, {1, 3}, {3, 3}, {4, 6}, {2997 * 3, 2997 * 3}, {4500, 4500}, {4501, 4503}
      };
      for (long[] c : cases) {
        try (TelemetryLog.Tailer t = log.tailerFromStep(c[0])) {
          Observation o = t.poll();
          assertNotNull(o, "from step " + c[0]);
          assertEquals(c[1], o.step(), "first step at or after " + c[0]);
          assertEquals(c[1] + 3, t.poll().step(), "and then the next one");
        }
      }
      try (TelemetryLog.Tailer t = log.tailerFromStep(9000)) {
        assertNull(t.poll(), "past the last step: nothing yet");
        try (TelemetryLog.Appender a = log.appender()) {
          a.append(Fixtures.observation(9000, 0));
        }
        assertEquals(9000, t.poll().step(), "and the next appended record");
      }
    }
  }

  @Test
  void tailsFromEndAndSeesOnlyNewRecords() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender()) {
      for (int i = 0; i < 10; i++) {
        a.append(Fixtures.observation(i, 1));
      }
      try (TelemetryLog.Tailer t = log.tailerFromEnd()) {
        assertNull(t.poll());
        a.append(Fixtures.observation(10, 1));
        assertEquals(Fixtures.observation(10, 1), t.poll());
        assertNull(t.poll());
      }
    }
  }

  @Test
  void tailerOfAnotherInstanceSeesRecordsAsTheyAreAppended() {
    Path dir = tmp.resolve("t");
    try (TelemetryLog writer = TelemetryLog.open(dir);
        TelemetryLog.Appender a = writer.appender()) {
      a.append(Fixtures.observation(0, 8));
      try (TelemetryLog reader = TelemetryLog.openReadOnly(dir);
          TelemetryLog.Tailer t = reader.tailer()) {
        for (int i = 1; i <= 100; i++) {
          assertEquals(i - 1, t.poll().step());
          assertNull(t.poll());
          a.append(Fixtures.observation(i, 8));
        }
      }
    }
  }

  @Test
  void emptyQueueTailsNothing() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"))) {
      try (TelemetryLog.Tailer t = log.tailer()) {
        assertNull(t.poll());
      }
      try (TelemetryLog.Tailer t = log.tailerFromStep(5)) {
        assertNull(t.poll());
      }
      LogScan s = log.scan();
      assertEquals(0, s.records());
      assertEquals(-1, s.firstStep());
    }
  }

  @Test
  void readOnlyOpenOfAMissingFolderNamesIt() {
    Path missing = tmp.resolve("nope");
    TelemetryException e =
        assertThrows(TelemetryException.class, () -> TelemetryLog.openReadOnly(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void readOnlyLogRefusesAppenders() {
    Path dir = tmp.resolve("t");
    try (TelemetryLog log = TelemetryLog.open(dir)) {
      log.appender().append(Fixtures.observation(0, 0));
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      assertThrows(IllegalStateException.class, log::appender);
    }
  }

  @Test
  void decisionQueueRejectsTelemetryRecordsByKind() {
    Path dir = tmp.resolve("t");
    try (TelemetryLog log = TelemetryLog.open(dir)) {
      log.appender().append(Fixtures.observation(0, 0));
    }
    try (DecisionLog log = DecisionLog.openReadOnly(dir);
        DecisionLog.Tailer t = log.tailer()) {
      TelemetryException e = assertThrows(TelemetryException.class, () -> t.poll(new Decision()));
      assertTrue(
          e.getMessage()
              .endsWith("is of kind observation, which does not belong in a decision queue"),
          e.getMessage());
      assertTrue(
          e.getMessage().startsWith("decision queue file " + dir.toAbsolutePath()), e.getMessage());
    }
  }
}

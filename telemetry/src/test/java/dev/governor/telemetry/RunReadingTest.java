package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run-reading API: the streams of {@link RecordLog}, {@link TelemetryLog}, {@link DecisionLog}
 * and {@link RunFolder}, {@link RecordLog.Tailer#drain}, the last steps, the end mark and {@link
 * ResumePoint}. The reference values are the records the test writes (every field a closed form of
 * the step, {@link Fixtures}).
 */
class RunReadingTest {
  @TempDir Path tmp;

  /**
   * A run of 5 observations (steps 0..4) with a TIMEOUT event at step 1; decisions for 0..3, a
   * RESTART event, step 3 decided again, then 4; the telemetry marked ended after step 4 when
   * {@code ended}.
   */
  private RunFolder run(boolean ended) {
    RunFolder f = RunFolder.create(tmp.resolve(ended ? "ended" : "open"), RunFolderTest.header());
    try (TelemetryLog t = f.openTelemetry();
        TelemetryLog.Appender a = t.appender()) {
      for (long s = 0; s < 5; s++) {
        a.append(Fixtures.observation(s, 2));
        if (s == 1) {
          a.appendEvent(EventKind.TIMEOUT, 1, 3.0);
        }
      }
      if (ended) {
        a.appendEvent(EventKind.END, 4, 4);
      }
    }
    try (DecisionLog d = f.openDecisions();
        DecisionLog.Appender a = d.appender()) {
      for (long s = 0; s < 4; s++) {
        a.append(Fixtures.decision(s, 2));
      }
      a.appendEvent(EventKind.RESTART, 3, Double.NaN);
      a.append(Fixtures.decision(3, 2));
      a.append(Fixtures.decision(4, 2));
    }
    return f;
  }

  private static List<Long> steps(Stream<?> s) {
    try (s) {
      return s.map(
              v ->
                  v instanceof Observation o
                      ? o.step()
                      : v instanceof Decision d ? d.step : ((LogRecord) v).step())
          .toList();
    }
  }

  @Test
  void observationsDecisionsAndRecordsStreamInQueueOrder() {
    RunFolder f = run(true);
    try (Stream<Observation> s = f.observations()) {
      assertEquals(
          LongStream.range(0, 5).mapToObj(i -> Fixtures.observation(i, 2)).toList(), s.toList());
    }
    List<Decision> ds;
    try (Stream<Decision> s = f.decisions()) {
      ds = s.toList();
    }
    assertEquals(List.of(0L, 1L, 2L, 3L, 3L, 4L), ds.stream().map(d -> d.step).toList());
    long[] written = {0, 1, 2, 3, 3, 4};
    for (int i = 0; i < ds.size(); i++) {
      assertTrue(Fixtures.same(Fixtures.decision(written[i], 2), ds.get(i)), "decision " + i);
    }
    // each decision is its own copy, never the tailer's reused holder
    assertNotSame(ds.get(0), ds.get(1));
    assertNotSame(ds.get(0).layerLrMultipliers, ds.get(1).layerLrMultipliers);

    assertEquals(
        List.of(
            Fixtures.observation(0, 2),
            Fixtures.observation(1, 2),
            new Event(EventKind.TIMEOUT, 1, 3.0),
            Fixtures.observation(2, 2),
            Fixtures.observation(3, 2),
            Fixtures.observation(4, 2),
            new Event(EventKind.END, 4, 4)),
        Fixtures.values(f.telemetryRecords()));
    List<Object> decisionRecords = Fixtures.values(f.decisionRecords());
    assertEquals(7, decisionRecords.size());
    assertEquals(new Event(EventKind.RESTART, 3, Double.NaN), decisionRecords.get(4));

    try (TelemetryLog t = f.readTelemetry();
        DecisionLog d = f.readDecisions()) {
      assertEquals(List.of(2L, 3L, 4L), steps(t.observationsFrom(2)));
      assertEquals(List.of(3L, 3L, 4L), steps(d.decisionsFrom(3)));
      assertEquals(List.of(1L, 1L, 2L, 3L, 4L, 4L), steps(t.recordsFrom(1)));
      try (Stream<Event> e = t.events()) {
        assertEquals(
            List.of(new Event(EventKind.TIMEOUT, 1, 3.0), new Event(EventKind.END, 4, 4)),
            e.toList());
      }
    }
  }

  @Test
  void lastStepsAndTheEndMark() {
    RunFolder ended = run(true);
    assertEquals(4, ended.lastObservedStep());
    assertEquals(4, ended.lastDecidedStep());
    assertEquals(OptionalLong.of(4), ended.endedAfter());
    RunFolder open = run(false);
    assertEquals(4, open.lastObservedStep());
    assertEquals(OptionalLong.empty(), open.endedAfter());

    RunFolder empty = RunFolder.create(tmp.resolve("empty"), RunFolderTest.header());
    assertEquals(-1, empty.lastObservedStep());
    assertEquals(-1, empty.lastDecidedStep());
    assertEquals(OptionalLong.empty(), empty.endedAfter());
    try (Stream<Observation> s = empty.observations();
        Stream<Decision> d = empty.decisions()) {
      assertEquals(0, s.count());
      assertEquals(0, d.count());
    }
  }

  @Test
  void anEndMarkBeforeAnyStepIsMinusOne() {
    RunFolder f = RunFolder.create(tmp.resolve("none"), RunFolderTest.header());
    try (TelemetryLog t = f.openTelemetry();
        TelemetryLog.Appender a = t.appender()) {
      a.appendEvent(EventKind.END, 0, -1);
    }
    assertEquals(OptionalLong.of(-1), f.endedAfter());
    assertEquals(-1, f.lastObservedStep());
  }

  @Test
  void resumePointSaysWhetherAndWhereARunContinues() {
    ResumePoint open = run(false).resumePoint();
    assertTrue(open.resumable(), open.toString());
    assertEquals(Optional.empty(), open.refusal());
    assertEquals(5, open.nextStep());
    assertFalse(open.fullyDecided());

    RunFolder ended = run(true);
    ResumePoint p = ended.resumePoint();
    assertFalse(p.resumable());
    assertEquals(
        Optional.of("run " + ended.dir() + " has already ended (after step 4)"), p.refusal());
    assertTrue(p.fullyDecided());
  }

  @Test
  void aLiveWriterRefusesTheResumeBeforeTheEndMark() {
    // another process's writer lock (this process's own lock is never reported as a live writer)
    ResumePoint p =
        new ResumePoint(
            tmp, Optional.of("telemetry queue written by pid 12 host h"), OptionalLong.of(3), 3, 3);
    assertEquals(
        Optional.of(
            "run "
                + tmp
                + " is still being written: telemetry queue written by pid 12 host h;"
                + " wait for it"),
        p.refusal());
    assertFalse(p.resumable());
  }

  @Test
  void drainReadsWhatIsThereNowAndLaterWhatCameSince() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender();
        TelemetryLog.Tailer t = log.tailer()) {
      RecordHandler ignore = new RecordHandler() {};
      assertEquals(0, t.drain(ignore));
      a.append(Fixtures.observation(0, 0));
      a.appendEvent(EventKind.FAULT, 0, Double.NaN);
      assertEquals(2, t.drain(ignore));
      assertEquals(0, t.drain(ignore));
      a.append(Fixtures.observation(1, 0));
      assertEquals(1, t.drain(ignore));
      assertEquals(1, t.lastStep());
    }
  }

  @Test
  void aStreamSeesTheEndTheQueueHasWhenItGetsThere() {
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender()) {
      a.append(Fixtures.observation(0, 0));
      try (Stream<Observation> s = log.observations()) {
        var it = s.iterator();
        assertEquals(0, it.next().step());
        a.append(Fixtures.observation(1, 0));
        assertEquals(1, it.next().step());
        assertFalse(it.hasNext());
      }
    }
  }
}

package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionLogTest {
  @TempDir Path tmp;

  @Test
  void roundTripsDecisionsWithMultipliersAndInternals() {
    try (DecisionLog log = DecisionLog.open(tmp.resolve("d"))) {
      try (DecisionLog.Appender a = log.appender()) {
        for (int s = 0; s < 300; s++) {
          a.append(Fixtures.decision(s, s % 3));
        }
        a.appendEvent(EventKind.CLAMP, 299, 12.5);
      }
      Decision into = new Decision();
      try (DecisionLog.Tailer t = log.tailer()) {
        for (int s = 0; s < 300; s++) {
          assertTrue(t.poll(into));
          assertTrue(Fixtures.same(Fixtures.decision(s, s % 3), into), "step " + s);
        }
        assertFalse(t.poll(into), "the event is skipped and nothing follows");
      }
      try (DecisionLog.Tailer t = log.tailerFromStep(150)) {
        assertTrue(t.poll(into));
        assertEquals(150, into.step);
        assertEquals(GuardAction.values()[150 % 4], into.action);
      }
      LogScan s = log.scan();
      assertEquals(300, s.decisions());
      assertEquals(1, s.events());
    }
  }

  @Test
  void handlerGetsEventsAndDecisions() {
    try (DecisionLog log = DecisionLog.open(tmp.resolve("d"))) {
      try (DecisionLog.Appender a = log.appender()) {
        a.append(Fixtures.decision(0, 0));
        a.appendEvent(EventKind.FAULT, 1, Double.NaN);
      }
      List<String> seen = new ArrayList<>();
      try (DecisionLog.Tailer t = log.tailer()) {
        RecordHandler h =
            new RecordHandler() {
              @Override
              public void decision(Decision d) {
                seen.add("decision " + d.step + " " + d.hyperparameters());
              }

              @Override
              public void event(Event e) {
                seen.add("event " + e.kind() + " " + e.step());
              }
            };
        assertEquals(2, t.drain(h));
        assertEquals(0, t.drain(h));
      }
      assertEquals(
          List.of("decision 0 " + Fixtures.decision(0, 0).hyperparameters(), "event FAULT 1"),
          seen);
    }
  }

  @Test
  void invalidDecisionIsRefusedAndNothingIsWritten() {
    try (DecisionLog log = DecisionLog.open(tmp.resolve("d"))) {
      try (DecisionLog.Appender a = log.appender()) {
        Decision bad = Fixtures.decision(3, 0);
        bad.lr = Double.NaN;
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> a.append(bad));
        assertEquals("decision at step 3: lr must be finite and > 0, but was NaN", e.getMessage());
        Decision negClip = Fixtures.decision(4, 0);
        negClip.clip = -1;
        assertThrows(IllegalArgumentException.class, () -> a.append(negClip));
        Decision badMult = Fixtures.decision(5, 2);
        badMult.layerLrMultipliers[1] = Double.POSITIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> a.append(badMult));
      }
      assertEquals(0, log.scan().records());
    }
  }
}

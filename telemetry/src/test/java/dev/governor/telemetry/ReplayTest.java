package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {
  @TempDir Path tmp;

  static final PolicySpec PLATEAU = PolicySpec.parse("plateau(lr=0.1, patience=3, factor=0.5)");

  @Test
  void verifiesEveryDecisionOfAFeedbackPolicy() {
    RunFolder run = Runs.record(tmp.resolve("r"), PLATEAU, 80);
    Replay.Verification v = Replay.verify(RunFolder.open(run.dir()));
    assertTrue(v.ok(), () -> v.mismatch().toString());
    assertEquals(80, v.verified());
    assertEquals(80, v.observations());
    assertEquals(80, v.decisions());
    assertTrue(v.notes().isEmpty(), v.notes().toString());
  }

  /**
   * A run of 40 steps whose controller "restarts" after deciding step 29: a RESTART event, then the
   * decisions of steps 25..29 made again by a policy restored from its snapshot after step 24, then
   * steps 30..39. {@code tamperStep} (if >= 0) changes the lr of that step's re-made decision by
   * one ulp.
   */
  private static RunFolder recordWithRestart(Path dir, long tamperStep) {
    RunFolder run =
        RunFolder.create(
            dir,
            new RunHeader(
                "restart",
                PLATEAU,
                java.util.Map.of("steps", "40"),
                7,
                RunHeader.currentVersions(),
                "2026-01-01T00:00:00Z"));
    Policy p = Policies.create(PLATEAU);
    Hyperparameters h = p.initial();
    Decision d = new Decision();
    java.util.List<Observation> seen = new java.util.ArrayList<>();
    dev.governor.control.PolicyState snapshot = null;
    try (TelemetryLog tl = run.openTelemetry();
        DecisionLog dl = run.openDecisions();
        TelemetryLog.Appender ta = tl.appender();
        DecisionLog.Appender da = dl.appender()) {
      for (int s = 0; s < 40; s++) {
        Observation o = Runs.plant(s, h);
        seen.add(o);
        ta.append(o);
        p.decide(o, d);
        da.append(d);
        h = d.hyperparameters();
        if (s == 24) {
          snapshot = p.snapshot();
        }
        if (s == 29) {
          da.appendEvent(EventKind.RESTART, 29, 25);
          Decision again = new Decision();
          Policy restored = Policies.create(PLATEAU);
          restored.restore(snapshot);
          for (int r = 25; r <= 29; r++) {
            restored.decide(seen.get(r), again);
            if (r == tamperStep) {
              again.lr = Math.nextUp(again.lr);
            }
            da.append(again);
          }
        }
      }
    }
    return run;
  }

  @Test
  void aRestartThatDecidesStepsAgainIdenticallyVerifies() {
    Replay.Verification v = Replay.verify(recordWithRestart(tmp.resolve("r"), -1));
    assertTrue(v.ok(), () -> v.mismatch().toString());
    assertEquals(40, v.verified());
    assertEquals(40, v.decisions(), "steps 25..29 count once");
    assertEquals(
        java.util.List.of(
            "1 controller restart(s) (RESTART events); 5 decision(s) were made again for steps"
                + " already decided (each compared with the first; the latest counts)"),
        v.notes());
  }

  @Test
  void aRestartThatDecidesAStepDifferentlyIsAMismatch() {
    Replay.Verification v = Replay.verify(recordWithRestart(tmp.resolve("r"), 27));
    assertFalse(v.ok());
    Replay.Mismatch m = v.mismatch().orElseThrow();
    assertEquals(27, m.step());
    assertEquals("lr", m.field());
    assertTrue(m.redecided());
    assertEquals(27, v.verified(), "steps 0..26 verified before it");
    assertTrue(m.toString().contains("decided twice differently"), m.toString());
    assertEquals(
        Double.doubleToRawLongBits(Double.parseDouble(m.recorded().split(" ")[0])) + 1,
        Double.doubleToRawLongBits(Double.parseDouble(m.replayed().split(" ")[0])),
        "the second decision is one ulp above the first");
  }

  @Test
  void findsAOneUlpDifferenceAndNamesStepAndField() {
    RunFolder run =
        Runs.record(
            tmp.resolve("r"),
            PLATEAU,
            80,
            d -> {
              if (d.step == 50) {
                d.lr = Math.nextUp(d.lr);
              }
              return d;
            });
    Replay.Verification v = Replay.verify(run);
    assertFalse(v.ok());
    assertEquals(50, v.verified());
    Replay.Mismatch m = v.mismatch().orElseThrow();
    assertEquals(50, m.step());
    assertEquals("lr", m.field());
    assertTrue(m.recorded().contains("0x"), m.recorded());
  }

  @Test
  void findsADifferentInternal() {
    RunFolder run =
        Runs.record(
            tmp.resolve("r"),
            PLATEAU,
            20,
            d -> {
              if (d.step == 7) {
                d.gradZ = 1.0;
              }
              return d;
            });
    Replay.Mismatch m = Replay.verify(run).mismatch().orElseThrow();
    assertEquals(7, m.step());
    assertEquals("gradZ", m.field());
  }

  @Test
  void aPolicyOtherThanTheRecordedOneMismatchesAtItsFirstDifferentDecision() {
    Runs.record(tmp.resolve("r"), PLATEAU, 80);
    RunFolder run = RunFolder.open(tmp.resolve("r"));
    Replay.Verification v =
        Replay.verify(
            run,
            dev.governor.control.Policies.create(
                PolicySpec.parse("plateau(lr=0.1, patience=4, factor=0.5)")));
    assertFalse(v.ok());
    assertEquals("lr", v.mismatch().orElseThrow().field());
  }

  @Test
  void telemetryAfterTheLastDecisionIsANoteNotAMismatch() {
    RunFolder run = Runs.record(tmp.resolve("r"), PLATEAU, 10);
    try (TelemetryLog tl = run.openTelemetry()) {
      tl.appender()
          .append(
              Runs.plant(
                  10,
                  new Decision()
                      .set(
                          dev.governor.control.Hyperparameters.of(0.1, Double.POSITIVE_INFINITY, 0))
                      .hyperparameters()));
    }
    Replay.Verification v = Replay.verify(run);
    assertTrue(v.ok());
    assertEquals(10, v.verified());
    assertEquals(11, v.observations());
    assertEquals(1, v.notes().size());
    assertTrue(v.notes().get(0).startsWith("1 observation(s) from step 10"), v.notes().get(0));
  }

  @Test
  void counterfactualWritesARunFolderWithTheOtherPolicysDecisions() {
    RunFolder run = Runs.record(tmp.resolve("r"), PLATEAU, 60);
    PolicySpec other = PolicySpec.parse("constant(lr=0.05, clip=1.0)");
    Replay.WhatIf w = Replay.counterfactual(run, other, tmp.resolve("w"));
    assertEquals(60, w.decisions());
    RunFolder out = RunFolder.open(tmp.resolve("w"));
    assertEquals(other, out.header().policy());
    assertEquals("open-loop counterfactual", out.header().config().get("replay.mode"));
    // the counterfactual folder verifies against its own policy
    Replay.Verification v = Replay.verify(out);
    assertTrue(v.ok(), () -> v.mismatch().toString());
    assertEquals(60, v.verified());
    // clip statistics, independently: grad norm g_t = 0.5 + loss_t + (t % 5) * 0.1 > 1.0 at every
    // step (loss >= 2/2.5 = 0.8), so every step clips and the effective LR is 0.05 / g_t.
    assertEquals(60, w.counterfactual().clipped());
    assertEquals(1.0, w.counterfactual().clipRate());
    double sum = 0;
    for (int t = 0; t < 60; t++) {
      double loss = t < 30 ? 2.0 / (1 + 0.05 * t) : 0.8 + (t == 45 ? 3.0 : 0.0);
      sum += 0.05 * (1.0 / (0.5 + loss + (t % 5) * 0.1));
    }
    assertEquals(sum / 60, w.counterfactual().meanEffectiveLr(), 1e-15);
    // the recorded run never clipped (plateau's clip is off)
    assertEquals(0, w.recorded().clipped());
  }

  @Test
  void clipStatsForAFixedThresholdAreExact() {
    RunFolder run = Runs.record(tmp.resolve("r"), PolicySpec.parse("constant(lr=0.1)"), 20);
    // g_t = 0.5 + 2/(1 + 0.05 t) + (t % 5) * 0.1 for t < 20; with c = 2.2 the steps with g > 2.2:
    double c = 2.2;
    long clipped = 0;
    double sum = 0;
    for (int t = 0; t < 20; t++) {
      double g = 0.5 + 2.0 / (1 + 0.05 * t) + (t % 5) * 0.1;
      if (g > c) {
        clipped++;
        sum += 0.1 * c / g;
      } else {
        sum += 0.1;
      }
    }
    Replay.ClipStats s = Replay.clipStats(run, c);
    assertEquals(clipped, s.clipped());
    assertTrue(clipped > 0 && clipped < 20, "the threshold splits the run: " + clipped);
    assertEquals((double) clipped / 20, s.clipRate(), 0);
    assertEquals(sum / 20, s.meanEffectiveLr(), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> Replay.clipStats(run, Double.NaN));
  }

  @Test
  void verifyOfARunWithoutDecisionsSaysSo() throws Exception {
    java.nio.file.Path csv = tmp.resolve("in.csv");
    java.nio.file.Files.write(csv, java.util.List.of("step,loss,grad_norm", "0,1,1"));
    Interchange.ImportReport r = Interchange.importFile(csv, "csv", tmp.resolve("imp"), false);
    TelemetryException e = assertThrows(TelemetryException.class, () -> Replay.verify(r.run()));
    assertTrue(e.getMessage().contains("has no decisions to verify"), e.getMessage());
  }

  @Test
  void counterfactualRefusesAnExistingRunFolder() {
    RunFolder run = Runs.record(tmp.resolve("r"), PLATEAU, 5);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Replay.counterfactual(run, PolicySpec.of("constant"), run.dir()));
    assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
  }
}

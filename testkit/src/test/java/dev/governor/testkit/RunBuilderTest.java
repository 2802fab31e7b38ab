package dev.governor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RunBuilder} writes what {@link RunContents} reads back. */
class RunBuilderTest {
  @TempDir Path tmp;

  /** Observation of step s: loss 1/(1+s), gradient norm 2, under the applied hyperparameters. */
  private static Observation plant(long s, dev.governor.control.Hyperparameters h) {
    return Observation.builder(s)
        .loss(1.0 / (1 + s))
        .gradNorm(2)
        .paramNorm(1)
        .updateNorm(h.lr())
        .batchSize(8)
        .applied(h)
        .build();
  }

  @Test
  void aClosedLoopOfAConstantPolicyReadsBackStepByStep() {
    RunFolder run = RunBuilder.at(tmp.resolve("r")).policy("constant(lr=0.25)").seed(3).create();
    assertEquals("r", run.header().runId());
    assertEquals(3, run.header().seed());
    assertEquals(RunBuilder.START_TIME, run.header().startTime());
    // constant(lr=0.25) decides lr 0.25 after every step; the loop applies it to the next step
    RunBuilder.record(
        run,
        Policies.create("constant(lr=0.25)"),
        4,
        RunBuilderTest::plant,
        UnaryOperator.identity());
    List<Observation> obs = RunContents.observations(run.dir());
    assertEquals(List.of(0L, 1L, 2L, 3L), RunContents.observedSteps(obs));
    assertEquals(1.0 / 3, obs.get(2).loss(), 0.0);
    assertEquals(0.25, obs.get(3).lr(), 0.0);
    List<Decision> ds = RunContents.decisions(run.dir());
    assertEquals(List.of(0L, 1L, 2L, 3L), RunContents.steps(ds));
    assertEquals(0.25, RunContents.decided(ds).get(3).lr(), 0.0);
    assertEquals(4, RunContents.decisionCount(run.dir()));
    assertEquals(List.of(), RunContents.events(run.dir(), EventKind.END, false));
  }

  @Test
  void aTamperedDecisionIsWrittenAsTampered() {
    RunFolder run = RunBuilder.at(tmp.resolve("t")).policy("constant(lr=0.25)").create();
    RunBuilder.record(
        run,
        Policies.create("constant(lr=0.25)"),
        3,
        RunBuilderTest::plant,
        d -> {
          d.lr = d.step == 1 ? 0.5 : d.lr;
          return d;
        });
    assertEquals(
        List.of(0.25, 0.5, 0.25),
        RunContents.decisions(run.dir()).stream().map(d -> d.lr).toList());
    // the tampered decision is what the plant applied at the next step
    assertEquals(0.5, RunContents.observations(run.dir()).get(2).lr(), 0.0);
  }

  @Test
  void decisionCountIsZeroBeforeTheQueueExists() {
    assertEquals(0, RunContents.decisionCount(tmp.resolve("nothing")));
  }
}

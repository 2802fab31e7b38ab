package dev.governor.actors;

import static dev.governor.actors.Fixtures.FEEDBACK;
import static dev.governor.testkit.RunContents.decided;
import static dev.governor.testkit.RunContents.decisions;
import static dev.governor.testkit.RunContents.events;
import static dev.governor.testkit.RunContents.observations;
import static dev.governor.testkit.RunContents.steps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs through the supervisor, trainer and controller actors and the real queues, checked
 * against the same plant and policy driven by a plain loop (the definition of a synchronous run).
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunSupervisorTest {
  private static final Duration RUN = Duration.ofSeconds(60);

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(ActorRuntime.config()).build();

  @TempDir Path tmp;

  private RunSpec.Builder spec(Path dir, long seed, long steps) {
    return RunSpec.builder(
            Fixtures.folder(dir, FEEDBACK, seed), Fixtures.nqm(seed), FEEDBACK, steps)
        .policyFactory(Fixtures.feedback())
        .checkpointEvery(40)
        .snapshotEvery(30);
  }

  private RunResult run(RunSpec spec) {
    TestProbe<RunResult> probe = testKit.createTestProbe(RunResult.class);
    testKit.spawn(RunSupervisor.create(spec, probe.getRef()));
    return probe.expectMessageClass(RunResult.class, RUN);
  }

  private static Fixtures.Reference reference(long seed, long steps) {
    return Fixtures.plainLoop(Fixtures.nqm(seed).get(), new FeedbackPolicy(0.5), steps);
  }

  private static List<Long> range(long n) {
    return LongStream.range(0, n).boxed().toList();
  }

  @Test
  void synchronousRunIsBitIdenticalToThePlainLoop() {
    Path dir = tmp.resolve("sync");
    RunResult r = run(spec(dir, 7, 300).build());
    Fixtures.Reference ref = reference(7, 300);

    assertTrue(r.completed(), r.failure());
    assertEquals(300, r.stepsRun());
    assertEquals(ref.observations(), observations(dir));
    assertEquals(range(300), steps(decisions(dir)));
    assertEquals(decided(ref.decisions()), decided(decisions(dir)));
    assertEquals(0, r.timeouts());
    assertEquals(300, r.decisionsApplied());
    assertEquals(0.0, r.meanDelaySteps());
    // one latency record per applied decision, and the end mark after the last step
    List<Event> ev = events(dir, false);
    assertEquals(300, ev.stream().filter(e -> e.kind() == EventKind.LATENCY).count());
    assertEquals(
        List.of(299L),
        ev.stream().filter(e -> e.kind() == EventKind.END).map(Event::step).toList());
  }

  @Test
  void aControllerThatThrowsMidRunIsRestartedWithoutGapOrDuplicate() {
    Path dir = tmp.resolve("controller-fault");
    AtomicInteger faults = new AtomicInteger();
    RunSpec spec =
        spec(dir, 11, 250)
            .policyFactory(() -> Faults.throwingPolicy(new FeedbackPolicy(0.5), 123, 1, faults))
            .build();
    TestProbe<RunResult> probe = testKit.createTestProbe(RunResult.class);
    LoggingTestKit.error(Faults.InjectedFault.class)
        .expect(testKit.system(), () -> testKit.spawn(RunSupervisor.create(spec, probe.getRef())));
    RunResult r = probe.expectMessageClass(RunResult.class, RUN);
    Fixtures.Reference ref = reference(11, 250);

    assertTrue(r.completed(), r.failure());
    assertEquals(2, faults.get(), "step 123 was decided twice: it threw, then it did not");
    assertEquals(1, r.controllerRestarts());
    List<Decision> ds = decisions(dir);
    assertEquals(range(250), steps(ds), "one decision per step: no gap, no duplicate");
    assertEquals(
        decided(ref.decisions()), decided(ds), "the restored policy continues bit for bit");
    assertEquals(ref.observations(), observations(dir));
    // restored from the snapshot after step 119 (every 30 steps), re-fed 120..122
    List<Event> restarts =
        events(dir, true).stream().filter(e -> e.kind() == EventKind.RESTART).toList();
    assertEquals(List.of(new Event(EventKind.RESTART, 122, 123)), restarts);
  }

  @Test
  void aTrainerThatThrowsIsRestartedFromItsLastCheckpoint() {
    Path dir = tmp.resolve("trainer-fault");
    AtomicInteger faults = new AtomicInteger();
    RunSpec spec =
        RunSpec.builder(
                Fixtures.folder(dir, FEEDBACK, 5),
                () -> Faults.throwingTrainer(Fixtures.nqm(5).get(), 150, 1, faults),
                FEEDBACK,
                220)
            .policyFactory(Fixtures.feedback())
            .checkpointEvery(40)
            .build();
    TestProbe<RunResult> probe = testKit.createTestProbe(RunResult.class);
    LoggingTestKit.error(Faults.InjectedFault.class)
        .expect(testKit.system(), () -> testKit.spawn(RunSupervisor.create(spec, probe.getRef())));
    RunResult r = probe.expectMessageClass(RunResult.class, RUN);
    Fixtures.Reference ref = reference(5, 220);

    assertTrue(r.completed(), r.failure());
    assertEquals(1, r.trainerRestarts());
    assertEquals(0, r.replayMismatches(), "steps 120..149 re-ran from the checkpoint of step 119");
    assertEquals(ref.observations(), observations(dir), "each step recorded once, as in one go");
    assertEquals(range(220), steps(decisions(dir)));
    assertEquals(decided(ref.decisions()), decided(decisions(dir)));
    assertEquals(
        List.of(new Event(EventKind.RESTART, 149, 150)),
        events(dir, false).stream().filter(e -> e.kind() == EventKind.RESTART).toList());
  }

  @Test
  void aTrainerThatKeepsFailingStopsTheRunAfterItsRestartLimit() {
    Path dir = tmp.resolve("trainer-limit");
    AtomicInteger faults = new AtomicInteger();
    RunSpec spec =
        RunSpec.builder(
                Fixtures.folder(dir, FEEDBACK, 5),
                () -> Faults.throwingTrainer(Fixtures.nqm(5).get(), 30, Integer.MAX_VALUE, faults),
                FEEDBACK,
                100)
            .policyFactory(Fixtures.feedback())
            .restartLimit(2, Duration.ofMinutes(1))
            .build();
    TestProbe<RunResult> probe = testKit.createTestProbe(RunResult.class);
    LoggingTestKit.error(Faults.InjectedFault.class)
        .withOccurrences(3)
        .expect(testKit.system(), () -> testKit.spawn(RunSupervisor.create(spec, probe.getRef())));
    RunResult r = probe.expectMessageClass(RunResult.class, RUN);

    assertFalse(r.completed());
    assertTrue(r.failure().startsWith("trainer failed after 2 restarts"), r.failure());
    assertEquals(3, faults.get(), "the first try and two restarts");
    assertEquals(range(30), steps(decisions(dir)), "what was written before the failure stays");
  }

  @Test
  void eightRunsShareOneActorSystemEachWithItsOwnQueues() {
    TestProbe<RunResult> probe = testKit.createTestProbe(RunResult.class);
    Map<Path, Long> seeds = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      Path dir = tmp.resolve("many-" + i);
      RunSpec.Builder b = spec(dir, 100 + i, 200);
      if (i % 2 == 1) {
        b.mode(RunSpec.Mode.ASYNC);
      }
      seeds.put(dir, 100L + i);
      testKit.spawn(RunSupervisor.create(b.build(), probe.getRef()));
    }
    List<RunResult> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(probe.expectMessageClass(RunResult.class, RUN));
    }
    for (RunResult r : results) {
      assertTrue(r.completed(), r.failure());
      long seed = seeds.get(r.dir());
      assertEquals(range(200), steps(decisions(r.dir())), "run " + seed);
      assertEquals(200, observations(r.dir()).size());
      if (seed % 2 == 0) { // synchronous: deterministic
        assertEquals(decided(reference(seed, 200).decisions()), decided(decisions(r.dir())));
      }
    }
  }
}

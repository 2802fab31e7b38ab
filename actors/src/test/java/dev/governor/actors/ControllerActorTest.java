package dev.governor.actors;

import static dev.governor.actors.Fixtures.FEEDBACK;
import static dev.governor.testkit.RunContents.decided;
import static dev.governor.testkit.RunContents.decisions;
import static dev.governor.testkit.RunContents.steps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process controller alone, with probes standing in for its trainer and supervisor: a
 * wake-up drains everything available, each observation is decided in order and recorded, and only
 * the newest decision of a drain is sent.
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerActorTest {

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(ActorRuntime.config()).build();

  @TempDir Path tmp;

  private static void append(Path dir, List<Observation> obs, int from, int to) {
    try (RunLog log = TelemetryRunLog.open(dir)) {
      for (int i = from; i < to; i++) {
        log.append(obs.get(i));
      }
    }
  }

  @Test
  void aWakeUpDecidesEveryObservationInOrderAndSendsOnlyTheNewest() {
    int n = ControllerActor.BATCH * 2 + 88; // two full drains and a partial one, then 3 more
    Fixtures.Reference ref =
        Fixtures.plainLoop(Fixtures.nqm(3).get(), new FeedbackPolicy(0.5), n + 3);
    Path dir = Fixtures.folder(tmp.resolve("drain"), FEEDBACK, 3);
    append(dir, ref.observations(), 0, n); // a trainer far ahead of its controller
    TestProbe<TrainerActor.Command> trainer = testKit.createTestProbe(TrainerActor.Command.class);
    TestProbe<RunSupervisor.Command> sup = testKit.createTestProbe(RunSupervisor.Command.class);
    Doorbell bell = new Doorbell();
    bell.ring(); // a wake-up is pending: the controller answers it when it starts

    ActorRef<ControllerActor.Command> c =
        testKit.spawn(
            ControllerActor.inProcess(
                dir,
                Fixtures.feedback(),
                0,
                trainer.getRef(),
                bell,
                sup.getRef(),
                TelemetryRunLog::open));
    sup.expectMessage(RunSupervisor.ControllerStarted.INSTANCE);
    // one message per drain of at most BATCH observations, each the newest of its drain
    for (long last :
        new long[] {ControllerActor.BATCH - 1, 2L * ControllerActor.BATCH - 1, n - 1}) {
      trainer.expectMessage(
          new TrainerActor.Decided(last, ref.decisions().get((int) last).hyperparameters()));
    }
    assertFalse(bell.pending(), "answered");

    append(dir, ref.observations(), n, n + 3);
    assertTrue(bell.ring(), "the bell was answered, so this ring sends a wake-up");
    assertFalse(bell.ring(), "a second ring while one is pending sends nothing");
    c.tell(ControllerActor.Wake.INSTANCE);
    // a Decided for n or n + 1 would arrive before this one and fail the expectation
    trainer.expectMessage(
        new TrainerActor.Decided(n + 2, ref.decisions().get(n + 2).hyperparameters()));

    assertEquals(
        LongStream.range(0, n + 3).boxed().toList(),
        steps(decisions(dir)),
        "every observation has its decision in the queue, in order");
    assertEquals(decided(ref.decisions()), decided(decisions(dir)), "bit for bit the plain loop");
  }
}

package dev.governor.actors;

import static dev.governor.actors.Fixtures.FEEDBACK;
import static dev.governor.testkit.RunContents.events;
import static dev.governor.testkit.RunContents.observations;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer actor alone, with probes standing in for its supervisor and controller, and manual
 * time for the bounded wait (no sleeps).
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerActorTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Hyperparameters H1 = Hyperparameters.of(0.25, 2.0, 0.01);
  private static final Hyperparameters H2 = Hyperparameters.of(0.125, 3.0, 0.0);

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder()
          .withCustomConfig(ManualTime.config().withFallback(ActorRuntime.config()))
          .build();

  @TempDir Path tmp;

  private record Started(
      ActorRef<TrainerActor.Command> trainer,
      TestProbe<RunSupervisor.Command> supervisor,
      TestProbe<ControllerActor.Command> controller,
      LoopStats stats,
      Doorbell doorbell) {
    /** The controller's side of a wake-up: receive it and answer the bell. */
    void woken() {
      controller.expectMessage(ControllerActor.Wake.INSTANCE);
      doorbell.answer();
    }
  }

  private Started start(RunSpec spec) {
    TestProbe<RunSupervisor.Command> sup = testKit.createTestProbe(RunSupervisor.Command.class);
    TestProbe<ControllerActor.Command> ctl = testKit.createTestProbe(ControllerActor.Command.class);
    LoopStats stats = new LoopStats();
    Doorbell bell = new Doorbell();
    ActorRef<TrainerActor.Command> t =
        testKit.spawn(TrainerActor.create(spec, sup.getRef(), stats, bell, TelemetryRunLog::open));
    RunSupervisor.TrainerReady ready = sup.expectMessageClass(RunSupervisor.TrainerReady.class);
    assertEquals(t, ready.trainer());
    t.tell(new TrainerActor.Start(ctl.getRef()));
    return new Started(t, sup, ctl, stats, bell);
  }

  @Test
  void aSynchronousWaitIsBoundedAndTheLastDecisionHoldsOnTimeOut() {
    ManualTime time = ManualTime.get(testKit.system());
    Path dir = Fixtures.folder(tmp.resolve("timeout"), FEEDBACK, 3);
    RunSpec spec =
        RunSpec.builder(dir, Fixtures.nqm(3), FEEDBACK, 3)
            .policyFactory(Fixtures.feedback())
            .decisionTimeout(TIMEOUT)
            .build();
    Started s = start(spec);

    s.woken(); // step 0 appended, timer running
    time.expectNoMessageFor(TIMEOUT.minusMillis(1), s.controller()); // still waiting
    time.timePasses(Duration.ofMillis(1)); // time-out: step 1 runs with the held decision
    s.woken();

    s.trainer().tell(new TrainerActor.Decided(0, H2)); // late: not the one step 2 waits for
    s.trainer().tell(new TrainerActor.Decided(1, H1));
    s.trainer().tell(new TrainerActor.Decided(1, H2)); // duplicate: ignored
    s.woken(); // step 2 ran with H1
    s.trainer().tell(new TrainerActor.Decided(2, H2));
    RunSupervisor.TrainerFinished end =
        s.supervisor().expectMessageClass(RunSupervisor.TrainerFinished.class);

    List<Observation> obs = observations(dir);
    double lr0 = new FeedbackPolicy(0.5).initial().lr();
    assertEquals(3, obs.size());
    assertEquals(lr0, obs.get(0).lr());
    assertEquals(lr0, obs.get(1).lr(), "the initial values held through the time-out");
    assertEquals(H1.lr(), obs.get(2).lr());
    assertEquals(H1.clip(), obs.get(2).clip());
    assertEquals(H1.weightDecay(), obs.get(2).weightDecay());
    assertEquals(obs.get(2), end.last());
    assertEquals(1, s.stats().timeouts);
    assertEquals(1, s.stats().duplicates);
    assertEquals(2, s.stats().decisionsApplied);
    List<Event> ev = events(dir, false);
    assertEquals(
        List.of(new Event(EventKind.TIMEOUT, 0, TIMEOUT.toMillis())),
        ev.stream().filter(e -> e.kind() == EventKind.TIMEOUT).toList());
    assertEquals(
        List.of(1L, 2L),
        ev.stream().filter(e -> e.kind() == EventKind.LATENCY).map(Event::step).toList());
  }

  /** A plant that runs a step only when the test releases it, to pin the message interleaving. */
  private static final class Gated implements Trainer {
    final Semaphore permits = new Semaphore(0);
    final Semaphore entered = new Semaphore(0);
    final Trainer inner;

    Gated(Trainer inner) {
      this.inner = inner;
    }

    @Override
    public Observation step(long step, Hyperparameters h) {
      entered.release();
      permits.acquireUninterruptibly();
      return inner.step(step, h);
    }

    @Override
    public int layerCount() {
      return 0;
    }

    @Override
    public void saveCheckpoint(Path dir) throws IOException {
      inner.saveCheckpoint(dir);
    }

    @Override
    public void loadCheckpoint(Path dir) throws IOException {
      inner.loadCheckpoint(dir);
    }
  }

  @Test
  void anAsynchronousTrainerAppliesTheNewestDecisionAndRecordsTheDelay() {
    Path dir = Fixtures.folder(tmp.resolve("async"), FEEDBACK, 4);
    Gated plant = new Gated(Fixtures.nqm(4).get());
    RunSpec spec =
        RunSpec.builder(dir, () -> plant, FEEDBACK, 4)
            .policyFactory(Fixtures.feedback())
            .mode(RunSpec.Mode.ASYNC)
            .decisionTimeout(TIMEOUT)
            .build();
    Started s = start(spec);

    plant.permits.release(); // step 0
    s.woken();
    // the trainer is now blocked in step 1 (with the initial values); decision 0 queues up
    s.trainer().tell(new TrainerActor.Decided(0, H1));
    plant.permits.release(); // step 1 ends; step 2 starts with decision 0: one step late
    s.woken();
    plant.permits.release(); // step 2 ends; step 3 runs with decision 0 still the newest
    s.woken();
    plant.permits.release(); // step 3 ends: the trainer waits (bounded) for the last decision
    s.woken();
    s.trainer().tell(new TrainerActor.Decided(3, H2));
    s.supervisor().expectMessageClass(RunSupervisor.TrainerFinished.class);

    List<Observation> obs = observations(dir);
    double lr0 = new FeedbackPolicy(0.5).initial().lr();
    assertEquals(List.of(lr0, lr0, H1.lr(), H1.lr()), obs.stream().map(Observation::lr).toList());
    assertEquals(2, s.stats().decisionsApplied);
    assertEquals(1, s.stats().delayMax);
    assertEquals(
        List.of(new Event(EventKind.DELAY, 0, 1)),
        events(dir, false).stream().filter(e -> e.kind() == EventKind.DELAY).toList());
    assertEquals(0, s.stats().timeouts);
  }

  @Test
  void aFastPlantRingsOnceUntilTheControllerAnswers() {
    Path dir = Fixtures.folder(tmp.resolve("coalesced"), FEEDBACK, 5);
    Gated plant = new Gated(Fixtures.nqm(5).get());
    RunSpec spec =
        RunSpec.builder(dir, () -> plant, FEEDBACK, 5)
            .policyFactory(Fixtures.feedback())
            .mode(RunSpec.Mode.ASYNC)
            .decisionTimeout(TIMEOUT)
            .build();
    Started s = start(spec);

    plant.permits.release(); // step 0 ends: the bell rings
    s.controller().expectMessage(ControllerActor.Wake.INSTANCE);
    plant.permits.release(2); // steps 1 and 2 end while the wake-up is still unanswered
    plant.entered.acquireUninterruptibly(4); // handshake: step 3 has begun, so 1 and 2 have rung
    s.controller().expectNoMessage(Duration.ZERO); // a ring sends at once: none was sent
    assertEquals(true, s.doorbell().pending());
    s.doorbell().answer(); // the controller drains 0..2
    plant.permits.release(); // step 3 ends: rings again
    s.woken();
    plant.permits.release(); // step 4 (the last) ends: rings (answered above) and waits
    s.woken();
    s.trainer().tell(new TrainerActor.Decided(4, H1));
    s.supervisor().expectMessageClass(RunSupervisor.TrainerFinished.class);
    assertEquals(5, observations(dir).size());
  }
}

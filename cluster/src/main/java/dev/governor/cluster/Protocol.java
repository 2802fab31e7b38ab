package dev.governor.cluster;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.util.List;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages between a trainer node's {@link TrainerLink} (one per run) and the run's {@link
 * ControllerEntity} on a controller node.
 *
 * <ul>
 *   <li>{@link Observe} and {@link EndRun} travel by typed reliable delivery (a {@code
 *       ShardingProducerController} per run on the trainer node, a {@code
 *       ShardingConsumerController} around the entity): at least once, in order, with
 *       consumer-driven flow control; unconfirmed messages are re-sent to the entity's new
 *       incarnation after a failover.
 *   <li>{@link Decided}, {@link NeedState}, {@link Restore} and {@link Refused} are plain messages:
 *       each side de-duplicates by step and the entity asks again (on a timer) for a {@link
 *       Restore} it did not get, so a lost message costs time, never a decision.
 * </ul>
 *
 * <p>{@code trainer} is the trainer's incarnation id (a fresh random id per trainer process and
 * run); the entity serves one incarnation at a time.
 */
public final class Protocol {
  private Protocol() {}

  /** What a controller entity receives. */
  public interface ToController extends ControllerEntity.Command {}

  /** What a trainer link receives. */
  public interface ToTrainer extends TrainerLink.Command {}

  /**
   * One step's observation of a run, with its data-parallel ranks' own when it has several.
   *
   * @param runId the run's id (the entity id)
   * @param trainer the sending trainer's incarnation id
   * @param link where decisions and state requests go
   * @param policy the run's policy spec ({@code PolicySpec.toString()} form)
   * @param snapshotEvery policy snapshot period in decided steps (0 = none)
   * @param observation the step's observation as recorded in the trainer's telemetry (for ranks:
   *     their aggregate, {@link RankAggregation})
   * @param ranks the ranks' observations of the step in rank order, which the controller aggregates
   *     itself; empty for a single-rank run and for re-sent steps
   * @param expectedRanks how many ranks the run has ({@code ranks} holds fewer when a rank did not
   *     report the step); 0 for a single-rank run and for re-sent steps
   */
  public record Observe(
      String runId,
      String trainer,
      ActorRef<ToTrainer> link,
      String policy,
      long snapshotEvery,
      Observation observation,
      List<Observation> ranks,
      int expectedRanks)
      implements ToController, WireMessage {
    public Observe {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(trainer, "trainer");
      Objects.requireNonNull(link, "link");
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(observation, "observation");
      ranks = List.copyOf(ranks);
      if (expectedRanks < ranks.size()) {
        throw new IllegalArgumentException(
            "expectedRanks must be >= the ranks reported ("
                + ranks.size()
                + "), but was "
                + expectedRanks);
      }
    }

    /** How many of the run's ranks did not report this step (0 for a single-rank run). */
    public int missingRanks() {
      return expectedRanks > 1 ? expectedRanks - ranks.size() : 0;
    }
  }

  /** The run ended after step {@code lastStep}: the entity stops. */
  public record EndRun(String runId, String trainer, long lastStep)
      implements ToController, WireMessage {}

  /**
   * The state a fresh entity incarnation rebuilds from (answer to {@link NeedState}): the newest
   * policy snapshot at or before the step asked for, and every recorded observation after it up to
   * that step.
   *
   * @param trainer the answering trainer's incarnation id
   * @param snapshotStep the step the snapshot was taken after, or -1 when there is none
   * @param snapshotPolicy the snapshot's policy name (null when none)
   * @param snapshot the snapshot's bytes (null when none)
   * @param lastDecided the newest step with a decision in the trainer's decision queue
   * @param since observations of steps {@code snapshotStep + 1 ..} the step asked for, in order
   */
  public record Restore(
      String trainer,
      long snapshotStep,
      String snapshotPolicy,
      byte[] snapshot,
      long lastDecided,
      List<Observation> since)
      implements ToController, WireMessage {
    public Restore {
      since = List.copyOf(since);
    }
  }

  /**
   * The decision made after observing step {@code decision.step}, with a policy snapshot taken
   * right after it when one was due.
   *
   * @param decision a copy owned by this message (every field, as appended to the decision queue)
   * @param snapshotPolicy the snapshot's policy name, or null
   * @param snapshot the snapshot's bytes, or null
   * @param missingRanks how many of a data-parallel run's ranks had not reported the step the
   *     decision was made on (recorded as a {@code RANK_MISSING} event); 0 otherwise
   */
  public record Decided(
      String runId, Decision decision, String snapshotPolicy, byte[] snapshot, int missingRanks)
      implements ToTrainer, WireMessage {}

  /**
   * A fresh entity incarnation needs the run's state after step {@code upTo} (see {@link Restore}).
   */
  public record NeedState(String runId, String trainer, ActorRef<ToController> entity, long upTo)
      implements ToTrainer, WireMessage {}

  /** The entity refuses this trainer: another live trainer incarnation owns the run id. */
  public record Refused(String runId, String reason) implements ToTrainer, WireMessage {}
}

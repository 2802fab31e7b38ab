package dev.governor.trainers;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * The other networks a {@link GovernedStep}'s listener is called for. DL4J's ParallelWrapper gives
 * every worker's copy of the network the original's listeners, so without a {@link GovernedWorker}
 * the copy would train at its configured rate while the original is governed: refused in that
 * worker. Copies registered here (followers, which apply the governed network's decisions) and any
 * other network carrying the listener (a clone the user trains, say) are left alone. Thread-safe.
 */
final class Followers {
  private final Map<Model, Boolean> models = Collections.synchronizedMap(new IdentityHashMap<>());

  void add(Model m) {
    models.put(m, Boolean.TRUE);
  }

  void remove(Model m) {
    models.remove(m);
  }

  /**
   * Called with another network than the governed one, from its training thread.
   *
   * @throws IllegalStateException when {@code m} is trained by a ParallelWrapper worker and follows
   *     no governed network
   */
  void check(Model m) {
    if (models.containsKey(m)) {
      return;
    }
    boolean worker =
        StackWalker.getInstance()
            .walk(
                frames ->
                    frames.anyMatch(
                        f -> f.getClassName().startsWith("org.deeplearning4j.parallelism.")));
    if (worker) {
      throw new IllegalStateException(
          "a ParallelWrapper worker trains a copy of the governed network at its configured rate;"
              + " call pw.setTrainerContext(new GovernedTrainerContext(governor)) before pw.fit so"
              + " that every worker applies the governor's decisions");
    }
  }
}

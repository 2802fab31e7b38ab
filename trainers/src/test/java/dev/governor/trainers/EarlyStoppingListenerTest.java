package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Policies;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The embedded form of early stopping: a DL4J listener on a network trained by its own {@code fit},
 * with and without a Governor attached, on the over-fitting teacher task of {@link
 * EarlyStoppingRunTest}.
 */
class EarlyStoppingListenerTest {

  static final Datasets.Split DATA = EarlyStoppingRunTest.DATA;
  static final DataSet VAL = EarlyStoppingRunTest.VAL;

  static ListDataSetIterator<DataSet> batches() {
    return new ListDataSetIterator<>(
        BatchStream.all(DATA.train(), 0, DATA.train().size()).asList(), 32);
  }

  /** Records the network's training score at every iteration, as a user's listener would. */
  static final class Scores extends BaseTrainingListener {
    final List<Long> bits = new ArrayList<>();

    @Override
    public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
      bits.add(Double.doubleToRawLongBits(model.score()));
    }
  }

  @Test
  void plainDl4jStopsWithinThePatienceAndRestoresTheBestModelBitForBit() {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), 1);
    EarlyStoppingListener es =
        new EarlyStoppingListener(EarlyStopping.Config.parse("val-loss(patience=5)"), VAL, 10);
    net.addListeners(es);
    EarlyStopping.Status s = EarlyStoppingListener.fit(net, batches(), 500, es);
    assertTrue(s.stopped(), s.toString());
    assertEquals(s.bestStep() + 5 * 10, s.stopStep());
    assertTrue(s.stopStep() < 1000, s.toString());
    assertTrue(net.score(VAL, false) > s.bestValLoss(), "the last model is worse than the best");
    assertTrue(es.restoreBest(net));
    assertEquals(
        Double.doubleToRawLongBits(s.bestValLoss()),
        Double.doubleToRawLongBits(net.score(VAL, false)));
    // the run stopped at the stop: one more iteration than the stop step's (iterations from 0)
    assertEquals(s.stopStep() + 1, net.getIterationCount());
  }

  @Test
  void withAGovernorAttachedTheListenerChangesNothingOfTheTraining() {
    // the same governed run with and without the early-stopping listener: every training score
    // the user's listener and the Governor's observations see is the same, bit for bit
    List<Long> plain = governed(false);
    List<Long> stopped = governed(true);
    assertTrue(stopped.size() < plain.size(), stopped.size() + " vs " + plain.size());
    assertEquals(plain.subList(0, stopped.size()), stopped);
  }

  private static List<Long> governed(boolean withEarlyStop) {
    MultiLayerNetwork net = Models.create("mlp", DATA.train(), 4);
    Scores scores = new Scores();
    EarlyStoppingListener es =
        new EarlyStoppingListener(EarlyStopping.Config.parse("val-loss(patience=3)"), VAL, 10);
    if (withEarlyStop) {
      net.addListeners(scores, es);
    } else {
      net.addListeners(scores);
    }
    List<Long> out = new ArrayList<>();
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.003)"))) {
      ListDataSetIterator<DataSet> it = batches();
      for (int e = 0; e < 60 && !(withEarlyStop && es.stopRequested()); e++) {
        it.reset();
        while (it.hasNext() && !(withEarlyStop && es.stopRequested())) {
          out.add(Double.doubleToRawLongBits(g.fit(it.next()).loss()));
        }
      }
    }
    assertEquals(out, scores.bits);
    if (withEarlyStop) {
      assertTrue(es.stopRequested());
      assertTrue(es.restoreBest(net));
      assertEquals(
          Double.doubleToRawLongBits(es.status().bestValLoss()),
          Double.doubleToRawLongBits(net.score(VAL, false)));
    }
    return out;
  }
}

package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import java.util.HashSet;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** The character LSTM, its windows and its bits per character. */
class CharLstmTest {
  static final double NO = Hyperparameters.NO_CLIP;

  static byte[] text() {
    return TextCorpus.markov(3, 4000, 500, 500).train();
  }

  @Test
  void windowsAreOneHotInputsWithTheNextCharacterAsTarget() {
    byte[] t = TextCorpus.encode("abcdefghij"); // 10 symbols, windows of 3: (10-1)/3 = 3
    assertEquals(3, SequenceStream.windows(t.length, 3));
    DataSet ds = SequenceStream.range(t, 3, 1, 3); // windows 1 and 2: "def"->"efg", "ghi"->"hij"
    assertArrayEquals(new long[] {2, TextCorpus.VOCAB, 3}, ds.getFeatures().shape());
    String[] in = {"def", "ghi"};
    String[] out = {"efg", "hij"};
    for (int k = 0; k < 2; k++) {
      for (int s = 0; s < 3; s++) {
        int x = TextCorpus.encode(in[k].charAt(s));
        int y = TextCorpus.encode(out[k].charAt(s));
        for (int v = 0; v < TextCorpus.VOCAB; v++) {
          assertEquals(v == x ? 1.0 : 0.0, ds.getFeatures().getDouble(k, v, s));
          assertEquals(v == y ? 1.0 : 0.0, ds.getLabels().getDouble(k, v, s));
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> SequenceStream.range(t, 3, 2, 4));
  }

  @Test
  void eachEpochVisitsEveryWindowOnceInASeededOrder() {
    byte[] t = text();
    SequenceStream a = new SequenceStream(t, 16, 8, 9);
    SequenceStream b = new SequenceStream(t, 16, 8, 9);
    int windows = SequenceStream.windows(t.length, 16); // 3999 / 16 = 249
    assertEquals(249, windows);
    assertEquals(31, a.batchesPerEpoch());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < a.batchesPerEpoch(); i++) {
      DataSet x = a.next();
      assertEquals(x.getFeatures(), b.next().getFeatures());
      INDArray ids = x.getFeatures().argMax(1); // [8, 16] symbol per position
      for (int k = 0; k < 8; k++) {
        seen.add(java.util.Arrays.toString(ids.getRow(k).toIntVector()));
      }
    }
    assertEquals(1, a.epoch());
    // 248 of the 249 windows drawn (the last incomplete batch is dropped); a window's text can
    // repeat in a Markov source, but rarely at 16 characters
    assertTrue(seen.size() >= 240, "distinct windows " + seen.size());
    a.seek(0, 5);
    SequenceStream c = new SequenceStream(t, 16, 8, 9);
    for (int i = 0; i < 5; i++) {
      c.next();
    }
    assertEquals(c.next().getFeatures(), a.next().getFeatures());
  }

  @Test
  void scoreIsNatsPerWindowSoBitsPerCharMatchTheSoftmaxProbabilities() {
    MultiLayerNetwork net = CharLstm.create(16, 1, 4);
    byte[] t = text();
    DataSet ds = SequenceStream.range(t, 20, 0, 5);
    INDArray p = net.output(ds.getFeatures(), false); // [5, V, 20] softmax probabilities
    // independent reference: −mean over the 100 characters of log2 p(target)
    double bits = 0;
    for (int k = 0; k < 5; k++) {
      for (int s = 0; s < 20; s++) {
        int y = t[(k * 20) + s + 1];
        bits -= Math.log(p.getDouble(k, y, s)) / Math.log(2);
      }
    }
    bits /= 100;
    double score = net.score(ds, false);
    assertEquals(bits, CharLstm.bitsPerChar(score, 20), 1e-5);
    // an untrained model is close to uniform over the 98 symbols: log2 98 = 6.61 bits
    assertEquals(6.61, bits, 0.2);
  }

  @Test
  void governedStepOnSequencesIsDl4jFitBitForBit() {
    // Adam at its unit rate with the decided rate equal to it: the governed step must be DL4J's
    // own θ ← θ − u on a 3-D sequence batch, exactly
    MultiLayerNetwork ref = CharLstm.create(12, 2, 8);
    MultiLayerNetwork gov = CharLstm.create(12, 2, 8);
    assertEquals(ref.params(), gov.params());
    GovernedStep g = new GovernedStep(Net.of(gov), true, 100, 2, true);
    byte[] t = text();
    for (int i = 0; i < 3; i++) {
      DataSet b = SequenceStream.range(t, 10, 4 * i, 4 * i + 4);
      ref.fit(b);
      Observation o = g.step(i, 0, b, Hyperparameters.of(Models.UNIT_LR, NO, 0), null);
      assertEquals(4, o.batchSize());
      assertArrayEquals(
          ref.params().toFloatVector(), gov.params().toFloatVector(), 0f, "after step " + i);
    }
    assertArrayEquals(
        ref.getUpdater().getStateViewArray().toFloatVector(),
        gov.getUpdater().getStateViewArray().toFloatVector(),
        0f);
  }

  @Test
  void aTrainerOnWindowsLearnsTheMarkovSource() {
    TextCorpus c = TextCorpus.markov(11, 40_000, 4_000, 1_000);
    MultiLayerNetwork net = CharLstm.create(24, 1, 2);
    Dl4jTrainer tr =
        Dl4jTrainer.builder(net, new SequenceStream(c.train(), 16, 16, 3))
            .validation(SequenceStream.range(c.validation(), 16, 0, 64), 50)
            .build();
    DataSet val = SequenceStream.range(c.validation(), 16, 0, 128);
    double before = CharLstm.bitsPerChar(tr.score(val), 16);
    for (int i = 0; i < 120; i++) {
      tr.step(i, Hyperparameters.of(2e-2, NO, 0));
    }
    double after = CharLstm.bitsPerChar(tr.score(val), 16);
    double unigram = TextCorpus.unigramBits(c.train(), c.validation());
    // starts near log2 98 = 6.6; after 120 steps it must beat the unigram model (it has learned
    // that the previous character matters) and cannot beat the entropy rate
    assertTrue(before > 6.0, "before " + before);
    assertTrue(after < unigram, "after " + after + " vs unigram " + unigram);
    assertTrue(after > c.entropyRate() - 0.05, "after " + after + " vs H " + c.entropyRate());
  }
}

package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import org.junit.jupiter.api.Test;

/** Calibration of a trained DL4J classifier, against DL4J's own accuracy and loss. */
class CalibrationRunTest {

  @Test
  void aTrainedRunCarriesItsCalibrationFittedOnTheValidationSplit() {
    // the synthetic task's 20000 training examples: the last 2000 (a tenth) are the validation
    // split, held out before the 6400-example limit; the temperature is fitted on them
    TrainingTask task = new TrainingTask("synthetic", null, "mlp", 32, 1, 3, 6400, 50);
    Datasets.Split data = task.load();
    TrainingResult r =
        task.run(data, Policies.create(PolicySpec.parse("constant(lr=0.003)")), null, null);
    Calibration.Report c = r.calibration();
    assertNotNull(c);
    assertEquals(2000, c.fitExamples());
    assertEquals(TrainingTask.SYNTHETIC_TEST, c.testExamples());
    assertTrue(c.fitSplit().startsWith("the validation split: the last 2000"), c.fitSplit());
    assertTrue(r.validationSplit().contains("[18000:20000]"), r.validationSplit());
    // the probabilities are the model's: same accuracy as DL4J's evaluation, and the NLL is
    // DL4J's MCXENT score of the test set (float32 outputs: 1e-4 relative)
    assertEquals(r.testAccuracy(), c.before().accuracy(), 1e-12);
    double score = r.epochTestLoss()[0];
    assertEquals(score, c.before().nll(), 1e-4 * score);
    assertEquals(c.before().accuracy(), c.after().accuracy(), 0);
    // the temperature is the minimum of the fit split's NLL: no worse than T = 1, nor 1 % away
    assertTrue(c.temperature() > 0 && Double.isFinite(c.temperature()), c.toString());
    assertTrue(c.fitNllAfter() <= c.fitNllBefore(), c.toString());
    assertTrue(c.before().ece() >= 0 && c.before().ece() <= 1, c.toString());
  }

  @Test
  void calibrateFitsOnTheValidationSplitAndMeasuresTheTestSet() {
    TrainingTask task = new TrainingTask("synthetic", null, "mlp", 32, 1, 5, 6400, 50);
    Datasets.Split data = task.load();
    Dl4jTrainer trainer = task.trainer(data);
    Calibration.Report c = task.calibrate(trainer, data);
    LabeledData held = data.validation();
    double[][] fitV = trainer.outputs(held);
    assertEquals(
        Calibration.fitTemperature(Calibration.logits(fitV), held.y()), c.temperature(), 0);
    assertEquals(2000, c.fitExamples());
    // without a validation split: the last 5000 training examples
    TrainingTask none = task.withValidation(0);
    Datasets.Split data0 = none.load();
    assertEquals(null, data0.validation());
    c = none.calibrate(trainer, data0);
    assertTrue(c.fitSplit().startsWith("the last 5000 training examples"), c.fitSplit());
    LabeledData tail = data0.train().tail(5000);
    double[][] fitP = trainer.outputs(tail);
    double t = Calibration.fitTemperature(Calibration.logits(fitP), tail.y());
    assertEquals(t, c.temperature(), 0);
    double[][] testP = trainer.outputs(data.test());
    assertEquals(Calibration.ece(testP, data.test().y(), 15), c.before().ece(), 0);
    // an untrained model guesses (accuracy near 1/10) with confident-looking outputs: the fit
    // flattens them (T > 1) and lowers the NLL
    assertTrue(c.before().accuracy() < 0.2, c.toString());
    assertTrue(c.temperature() > 1, c.toString());
    assertTrue(c.fitNllAfter() < c.fitNllBefore(), c.toString());
    // the outputs are rows of probabilities
    for (double[] row : testP) {
      double s = 0;
      for (double v : row) {
        s += v;
      }
      assertEquals(1, s, 1e-5);
    }
  }

  @Test
  void tailKeepsTheLastExamples() {
    LabeledData d =
        new LabeledData("d", new float[] {1, 2, 3, 4, 5, 6}, new int[] {0, 1, 0}, 2, 1, 2, 2);
    LabeledData t = d.tail(2);
    assertArrayEquals(new float[] {3, 4, 5, 6}, t.x());
    assertArrayEquals(new int[] {1, 0}, t.y());
    assertEquals("d[-2:]", t.name());
    assertEquals(d, d.tail(3));
  }
}

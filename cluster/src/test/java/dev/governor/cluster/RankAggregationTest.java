package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankAggregationTest {

  static Observation rank(double loss, double gradNorm, double paramNorm, int batch, double val) {
    return Observation.builder(7)
        .loss(loss)
        .gradNorm(gradNorm)
        .paramNorm(paramNorm)
        .batchSize(batch)
        .valLoss(val)
        .lr(0.1)
        .clip(1)
        .weightDecay(0)
        .build();
  }

  @Test
  void lossIsTheMeanBatchTheSumTheRestRankZeros() {
    // losses 1, 2, 6 -> mean 3; grad norms (of the averaged gradient) 0.5 each -> 0.5
    Observation a =
        RankAggregation.aggregate(
            List.of(
                rank(1, 0.5, 10, 4, Double.NaN),
                rank(2, 0.5, 11, 4, 3.0),
                rank(6, 0.5, 12, 4, 5.0)));
    assertEquals(3.0, a.loss(), 0.0);
    assertEquals(0.5, a.gradNorm(), 0.0);
    assertEquals(10, a.paramNorm(), 0.0);
    assertEquals(12, a.batchSize());
    assertEquals(4.0, a.valLoss(), 0.0); // mean of the finite ones (3, 5)
    assertEquals(7, a.step());
  }

  @Test
  void aNonFiniteRankMakesTheWholeStepNonFinite() {
    Observation a =
        RankAggregation.aggregate(
            List.of(rank(1, 0.5, 1, 4, 0), rank(Double.POSITIVE_INFINITY, 0.5, 1, 4, 0)));
    assertTrue(Double.isNaN(a.loss()));
    assertTrue(Double.isNaN(a.gradNorm()));
    Observation b =
        RankAggregation.aggregate(List.of(rank(1, Double.NaN, 1, 4, 0), rank(1, 0.5, 1, 4, 0)));
    assertTrue(Double.isNaN(b.loss()));
  }

  @Test
  void oneRankIsItselfAndMixedStepsAreRefused() {
    Observation o = rank(1, 2, 3, 4, 5);
    assertEquals(o, RankAggregation.aggregate(List.of(o)));
    assertThrows(IllegalArgumentException.class, () -> RankAggregation.aggregate(List.of()));
    Observation other = Observation.builder(8).loss(1).build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RankAggregation.aggregate(List.of(o, other)));
    assertTrue(e.getMessage().contains("same step"), e.getMessage());
  }
}

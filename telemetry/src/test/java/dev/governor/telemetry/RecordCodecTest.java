package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import org.junit.jupiter.api.Test;

/** Observations and decisions as queue records outside a queue (the cluster's wire format). */
class RecordCodecTest {
  /**
   * A quiet NaN with a payload (0x7ff8000000001234): DataOutput.writeDouble would canonicalize it.
   */
  private static final long NAN_PAYLOAD = 0x7ff8_0000_0000_1234L;

  @Test
  void anObservationComesBackBitForBitWithItsLayerArrays() {
    Observation o =
        Observation.builder(41)
            .epoch(2)
            .loss(Double.longBitsToDouble(NAN_PAYLOAD))
            .gradNorm(1.5)
            .valLoss(Double.NEGATIVE_INFINITY)
            .batchSize(32)
            .lr(1e-3)
            .clip(Double.POSITIVE_INFINITY)
            .weightDecay(0)
            .layerGradNorms(0.5, Double.NaN)
            .layerUpdateNorms(Double.NaN, Double.NaN)
            .build();
    byte[] record = RecordCodec.encode(o);
    // schema 2: tag+length, step, epoch+batch, layers+present, 10 doubles, 2 arrays of 2, checksum
    assertEquals(8 + 8 + 8 + 8 + 80 + 8 * 4 + 8, record.length);
    Observation back = RecordCodec.decodeObservation(record);
    assertEquals(o, back);
    assertEquals(NAN_PAYLOAD, Double.doubleToRawLongBits(back.loss()));
    assertEquals(Double.POSITIVE_INFINITY, back.clip());
    assertEquals(2, back.layerUpdateNorms().length);
    assertEquals(0, back.layerParamNorms().length);
  }

  @Test
  void aDecisionComesBackWithEveryField() {
    Decision d = new Decision();
    d.step = 7;
    d.lr = 0.25;
    d.clip = Double.POSITIVE_INFINITY;
    d.weightDecay = 1e-4;
    d.action = GuardAction.ROLLBACK;
    d.setLayerCount(2);
    d.layerLrMultipliers[0] = 0.5;
    d.layerLrMultipliers[1] = 2.0;
    d.lrMeasurement = -1.5;
    d.lrError = Double.longBitsToDouble(NAN_PAYLOAD);
    d.wdIntegral = 3;
    d.faults = 9;
    d.gradZ = 4.5;
    Decision back = RecordCodec.decodeDecision(RecordCodec.encode(d));
    assertEquals(7, back.step);
    assertEquals(GuardAction.ROLLBACK, back.action);
    assertArrayEquals(new double[] {0.5, 2.0}, back.layerLrMultipliers, 0.0);
    assertEquals(Double.POSITIVE_INFINITY, back.clip);
    assertEquals(NAN_PAYLOAD, Double.doubleToRawLongBits(back.lrError));
    assertEquals(-1.5, back.lrMeasurement, 0.0);
    assertEquals(3.0, back.wdIntegral, 0.0);
    assertEquals(9, back.faults);
    assertEquals(4.5, back.gradZ, 0.0);
  }

  @Test
  void aDamagedOrForeignRecordIsRefusedWithWhatIsWrong() {
    byte[] record = RecordCodec.encode(Observation.builder(3).loss(1).build());
    byte[] flipped = record.clone();
    flipped[20] ^= 1; // a bit of the epoch word: the checksum no longer matches
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeObservation(flipped));
    assertEquals("the record is corrupt (checksum mismatch)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeDecision(record));
    assertEquals("the record is of kind observation, where decision was expected", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> RecordCodec.decodeObservation(new byte[8]));
    assertEquals("the record is too short for a Governor record (8 bytes)", e.getMessage());
  }
}

package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.io.NotSerializableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire codec keeps every field bit for bit (NaN payloads, infinities, -0.0, layer arrays). */
class WireSerializerTest {
  // no actor references in these messages: the serializer needs no actor system for them
  final WireSerializer ser = new WireSerializer(null);

  Object roundTrip(Object m) throws NotSerializableException {
    return ser.fromBinary(ser.toBinary(m), ser.manifest(m));
  }

  static Observation odd(long step) {
    return new Observation(
        step,
        3,
        Double.longBitsToDouble(0x7ff8_0000_0000_0abcL), // a NaN with a payload
        Double.POSITIVE_INFINITY,
        -0.0,
        Double.MIN_VALUE,
        -1,
        Double.NaN,
        1e308,
        64,
        0.1,
        Double.POSITIVE_INFINITY,
        0,
        new double[] {1, 2},
        new double[] {3, 4},
        new double[] {Double.NEGATIVE_INFINITY, 5});
  }

  static long[] bits(Observation o) {
    return new long[] {
      Double.doubleToRawLongBits(o.loss()),
      Double.doubleToRawLongBits(o.gradNorm()),
      Double.doubleToRawLongBits(o.paramNorm()),
      Double.doubleToRawLongBits(o.updateNorm()),
      Double.doubleToRawLongBits(o.alignment()),
      Double.doubleToRawLongBits(o.sharpness()),
      Double.doubleToRawLongBits(o.valLoss()),
      Double.doubleToRawLongBits(o.lr()),
      Double.doubleToRawLongBits(o.clip()),
      Double.doubleToRawLongBits(o.weightDecay())
    };
  }

  @Test
  void restoreKeepsObservationsAndTheSnapshotBitForBit() throws Exception {
    Protocol.Restore r =
        new Protocol.Restore("t-1", 39, "pi", new byte[] {1, 2, 3}, 41, List.of(odd(40), odd(41)));
    Protocol.Restore back = (Protocol.Restore) roundTrip(r);
    assertEquals("t-1", back.trainer());
    assertEquals(39, back.snapshotStep());
    assertEquals("pi", back.snapshotPolicy());
    assertArrayEquals(new byte[] {1, 2, 3}, back.snapshot());
    assertEquals(41, back.lastDecided());
    assertEquals(2, back.since().size());
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(bits(r.since().get(i)), bits(back.since().get(i)));
      assertEquals(r.since().get(i), back.since().get(i));
    }
  }

  @Test
  void decidedKeepsEveryDecisionField() throws Exception {
    Decision d = new Decision();
    d.step = 17;
    d.lr = 0.0123;
    d.clip = Double.POSITIVE_INFINITY;
    d.weightDecay = 0;
    d.action = GuardAction.ROLLBACK;
    d.setLayerCount(2);
    d.layerLrMultipliers[0] = 0.5;
    d.layerLrMultipliers[1] = 2;
    d.lrMeasurement = -0.25;
    d.lrIntegral = Double.longBitsToDouble(0x7ff8_0000_0000_0001L);
    d.faults = 3;
    d.gradZ = 4.5;
    Protocol.Decided back =
        (Protocol.Decided) roundTrip(new Protocol.Decided("r", d, null, null, 3));
    assertEquals(3, back.missingRanks());
    Decision e = back.decision();
    assertNull(Runs.difference(d, e));
    assertEquals(
        Double.doubleToRawLongBits(d.lrIntegral), Double.doubleToRawLongBits(e.lrIntegral));
    assertEquals(2, e.layerCount);
    assertEquals(2.0, e.layerLrMultipliers[1], 0.0);
    assertNull(back.snapshot());
    assertNull(back.snapshotPolicy());
  }

  @Test
  void smallMessagesAndAnUnknownManifest() throws Exception {
    assertEquals(new Protocol.EndRun("r", "t", 99), roundTrip(new Protocol.EndRun("r", "t", 99)));
    assertEquals(new Protocol.Refused("r", "why"), roundTrip(new Protocol.Refused("r", "why")));
    NotSerializableException e =
        assertThrows(NotSerializableException.class, () -> ser.fromBinary(new byte[0], "Q"));
    assertEquals(
        "cannot read a Q message: java.io.NotSerializableException: unknown manifest 'Q'",
        e.getMessage());
  }
}

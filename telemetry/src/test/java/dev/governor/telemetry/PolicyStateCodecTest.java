package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicyState;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link PolicyStateCodec}: the documented layout byte for byte, and damage is recognised. */
class PolicyStateCodecTest {

  /**
   * The state "pi", bytes {1, 2, 3, 250}, after step 42, encoded independently with Python:
   *
   * <pre>
   * import struct, zlib
   * payload = bytes([1, 2, 3, 250]); crc = zlib.crc32(payload)   # 3963167958 = 0xec3924d6
   * struct.pack('>i', 0x47505331) + struct.pack('>q', 42) + struct.pack('>H', 2) + b'pi'
   *   + struct.pack('>i', 4) + payload + struct.pack('>q', crc)
   * </pre>
   */
  private static final int[] REFERENCE = {
    71, 80, 83, 49, 0, 0, 0, 0, 0, 0, 0, 42, 0, 2, 112, 105, 0, 0, 0, 4, 1, 2, 3, 250, 0, 0, 0, 0,
    236, 57, 36, 214
  };

  private static byte[] reference() {
    byte[] b = new byte[REFERENCE.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) REFERENCE[i];
    }
    return b;
  }

  private static final PolicyState STATE = new PolicyState("pi", new byte[] {1, 2, 3, (byte) 250});

  @Test
  void encodesTheDocumentedLayout() {
    assertArrayEquals(reference(), PolicyStateCodec.encode(STATE, 42));
  }

  @Test
  void decodesWhatItEncodes() {
    PolicyStateCodec.Snapshot s = PolicyStateCodec.decode(reference());
    assertEquals(42, s.step());
    assertEquals(STATE, s.state());
    PolicyState empty = new PolicyState("constant", new byte[0]);
    assertEquals(empty, PolicyStateCodec.decode(PolicyStateCodec.encode(empty, 0)).state());
  }

  @Test
  void aFlippedStateByteIsAChecksumMismatch() {
    byte[] b = reference();
    b[21] ^= 0x10; // the second state byte
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(b));
    assertEquals("damaged: the CRC-32 of the state does not match", e.getMessage());
  }

  @Test
  void otherDamageIsNamed() {
    byte[] b = reference();
    b[0] = 0x50;
    assertEquals(
        "not a policy state (magic must be 0x47505331, but was 0x50505331)",
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(b))
            .getMessage());
    byte[] cut = Arrays.copyOf(reference(), 22);
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(cut))
            .getMessage()
            .startsWith("truncated: the state holds 2 of its 4 bytes"));
    byte[] noCrc = Arrays.copyOf(reference(), 28);
    assertEquals(
        "truncated: it ends before its CRC-32",
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(noCrc))
            .getMessage());
    byte[] huge = reference();
    huge[16] = 0x7f; // length 0x7f000004
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(huge))
            .getMessage()
            .startsWith("state length must be in [0, 67108864], but was "));
    byte[] longer = Arrays.copyOf(reference(), 33);
    assertEquals(
        "has bytes after the state's CRC-32",
        assertThrows(IllegalArgumentException.class, () -> PolicyStateCodec.decode(longer))
            .getMessage());
  }
}

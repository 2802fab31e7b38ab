package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfEventsTest {
  @TempDir Path tmp;

  /*
   * Expected bytes computed with Python, independently of java.util.zip.CRC32C (bitwise CRC32C,
   * polynomial 0x82f63b78; check value crc32c(b"123456789") = 0xe3069283):
   *
   *   def crc32c(b):
   *       c = 0xffffffff
   *       for x in b:
   *           c ^= x
   *           for _ in range(8): c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
   *       return c ^ 0xffffffff
   *   def mask(c): return ((((c >> 15) | (c << 17)) & 0xffffffff) + 0xa282ead8) & 0xffffffff
   *   def rec(d):
   *       l = struct.pack('<Q', len(d))
   *       return l + struct.pack('<I', mask(crc32c(l))) + d + struct.pack('<I', mask(crc32c(d)))
   *   ev = b'\x09' + struct.pack('<d', 0.0) + b'\x10\x00' + b'\x1a\x0d' + b'brain.Event:2'
   *   val = b'\x0a\x04loss' + b'\x15' + struct.pack('<f', 0.5)
   *   ev2 = b'\x09' + struct.pack('<d', 0.0) + b'\x10\x03' + b'\x2a\x0d' + b'\x0a\x0b' + val
   */
  static final String VERSION_RECORD =
      "1a00000000000000129bd82d09000000000000000010001a0d627261696e2e4576656e743a3231e6c78b";
  static final String LOSS_RECORD =
      "1a00000000000000129bd82d09000000000000000010032a0d0a0b0a046c6f7373150000003fe25ad274";

  @Test
  void framingMatchesBytesComputedIndependently() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TfEvents tf = new TfEvents(b, 0.0)) {
      tf.scalar("loss", 0.5);
      tf.scalar("lr", Double.NaN); // left out
      tf.endStep(3);
    }
    assertEquals(VERSION_RECORD + LOSS_RECORD, HexFormat.of().formatHex(b.toByteArray()));
  }

  /** Bitwise CRC32C, written from the definition (not java.util.zip). */
  static int crc32c(byte[] d, int off, int len) {
    int c = 0xffffffff;
    for (int i = off; i < off + len; i++) {
      c ^= d[i] & 0xff;
      for (int k = 0; k < 8; k++) {
        c = (c >>> 1) ^ ((c & 1) != 0 ? 0x82f63b78 : 0);
      }
    }
    return ~c;
  }

  static int mask(int c) {
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }

  @Test
  void exportedRunHasOneScalarPerTagPerStepAndValidCrcs() throws Exception {
    RunFolder run = Runs.record(tmp.resolve("r"), PolicySpec.parse("constant(lr=0.05)"), 50);
    Files.createDirectories(tmp.resolve("tb"));
    Map.Entry<Path, Long> res = Interchange.export(run, "tfevents", tmp.resolve("tb"));
    assertTrue(res.getKey().getFileName().toString().startsWith("events.out.tfevents."));
    ByteBuffer buf =
        ByteBuffer.wrap(Files.readAllBytes(res.getKey())).order(ByteOrder.LITTLE_ENDIAN);
    byte[] all = buf.array();
    int events = 0;
    Map<Long, Map<String, Float>> scalars = new LinkedHashMap<>();
    while (buf.hasRemaining()) {
      int start = buf.position();
      long len = buf.getLong();
      assertEquals(mask(crc32c(all, start, 8)), buf.getInt(), "length crc of record " + events);
      int dataAt = buf.position();
      byte[] data = new byte[(int) len];
      buf.get(data);
      assertEquals(mask(crc32c(all, dataAt, (int) len)), buf.getInt(), "data crc " + events);
      if (events == 0) {
        assertTrue(new String(data, StandardCharsets.ISO_8859_1).endsWith("brain.Event:2"));
      } else {
        parseEvent(data, scalars);
      }
      events++;
    }
    assertEquals(51, events);
    assertEquals(50, scalars.size());
    Map<String, Float> s0 = scalars.get(0L);
    assertEquals(2.0f, s0.get("loss"));
    assertEquals(0.05f, s0.get("lr"));
    assertEquals(0.05f, s0.get("decided/lr"));
    assertTrue(!s0.containsKey("clip"), "infinite clip is left out");
  }

  /** Minimal protobuf reader for Event{1:double,2:varint,5:Summary{1:Value{1:str,2:float}}}. */
  private static void parseEvent(byte[] d, Map<Long, Map<String, Float>> out) {
    ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
    long step = -1;
    Map<String, Float> values = new LinkedHashMap<>();
    while (b.hasRemaining()) {
      int key = b.get() & 0xff;
      switch (key) {
        case 0x09 -> b.getDouble();
        case 0x10 -> step = varint(b);
        case 0x2a -> {
          int end = (int) varint(b) + b.position();
          while (b.position() < end) {
            assertEquals(0x0a, b.get() & 0xff);
            int vend = (int) varint(b) + b.position();
            assertEquals(0x0a, b.get() & 0xff);
            byte[] tag = new byte[(int) varint(b)];
            b.get(tag);
            assertEquals(0x15, b.get() & 0xff);
            float v = b.getFloat();
            assertEquals(vend, b.position());
            String t = new String(tag, StandardCharsets.UTF_8);
            assertEquals(null, values.put(t, v), "one value per tag per step: " + t);
          }
        }
        default -> throw new AssertionError("unexpected field key " + key);
      }
    }
    assertEquals(null, out.put(step, values), "one event per step");
  }

  private static long varint(ByteBuffer b) {
    long v = 0;
    int shift = 0;
    while (true) {
      int x = b.get() & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
      shift += 7;
    }
  }
}

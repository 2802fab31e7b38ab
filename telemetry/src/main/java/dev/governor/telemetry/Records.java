package dev.governor.telemetry;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import net.openhft.chronicle.core.UnsafeMemory;

/**
 * The binary record format of the telemetry and decision queues: no self-describing maps, no
 * per-record garbage. A record is encoded into a reused off-heap buffer and handed to Chronicle in
 * one memory copy; a reader copies it out in one copy, checks its checksum, and decodes from its
 * buffer.
 *
 * <p>Schema 2 (current) lays every field on an 8-byte boundary of the record, so that the encoder
 * writes whole 64-bit words and the checksum reads back exactly the words just written (a 64-bit
 * load that straddles two earlier stores defeats store-to-load forwarding and stalls). Little
 * endian; ints are paired into one word, low half first; doubles are raw IEEE bits (NaN payloads
 * survive):
 *
 * <pre>
 * all          int tag, int length (bytes of the whole record), long step, payload…, long checksum
 * OBSERVATION  int epoch, int batchSize; int layers, int present (bit 0 grad, 1 param, 2 update:
 *              that per-layer array has {@code layers} entries, even if every entry is NaN);
 *              10 doubles (loss, gradNorm, paramNorm, updateNorm, alignment, sharpness, valLoss,
 *              lr, clip, weightDecay); layers doubles per set bit
 * DECISION     3 doubles (lr, clip, weightDecay); int action, int layers; layers doubles
 *              (multipliers); 11 doubles (lr/clip/wd measurement, error, integral; lossZ, gradZ);
 *              long faults
 * EVENT        int kind, int 0; double detail
 * checksum     over every word before it, dealt round-robin to four lanes h = rotl((h ^ w) * K, 29)
 *              (independent chains, so the multiplies overlap), combined with the record length; a
 *              change confined to one word is always detected
 * </pre>
 *
 * <p>{@code tag = 0x4756_KK_VV} ("GV", record kind KK, schema version VV) identifies a Governor
 * record, so a foreign queue is recognised at its first record. Writers write schema {@value
 * #VERSION}; readers also read schema 1: {@code int tag, long step} (no length), then for an
 * observation {@code int epoch, int batchSize}, the ten doubles, {@code int layers, int mask} whose
 * bits meant "not every entry is the canonical NaN" (so an all-NaN array read back as empty, or as
 * NaN when no array was set), the arrays; decisions and events as above without the pairing; and a
 * checksum that is one running mix of every field in order.
 */
final class Records {
  static final int MAGIC = 0x4756_0000;
  static final int MAGIC_MASK = 0xFFFF_0000;

  /** The schema version writers write. */
  static final int VERSION = 2;

  static final int KIND_OBSERVATION = 1;
  static final int KIND_DECISION = 2;
  static final int KIND_EVENT = 3;

  /** More layers than this in one record is taken as damage, not data. */
  static final int MAX_LAYERS = 1 << 16;

  /** Longer than the largest valid record (an observation with 3 × MAX_LAYERS doubles). */
  static final int MAX_RECORD_BYTES = 2 << 20;

  private static final long MIX = 0x9E37_79B9_7F4A_7C15L;
  static final long SEED = 0x243F_6A88_85A3_08D3L;

  static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private Records() {}

  static int tag(int kind) {
    return tag(kind, VERSION);
  }

  static int tag(int kind, int version) {
    return MAGIC | (kind << 8) | version;
  }

  /** Where the step of a record with this tag starts (schema 1 has no length field). */
  static int stepOffset(int tag) {
    return (tag & 0xFF) == 1 ? 4 : 8;
  }

  static String kindName(int kind) {
    return switch (kind) {
      case KIND_OBSERVATION -> "observation";
      case KIND_DECISION -> "decision";
      case KIND_EVENT -> "event";
      default -> "kind " + kind;
    };
  }

  static long mix(long h, long v) {
    return Long.rotateLeft((h ^ v) * MIX, 29);
  }

  /** The schema-2 checksum of {@code a[0, len)}. */
  static long checksum(byte[] a, int len) {
    long h0 = SEED;
    long h1 = SEED + 1;
    long h2 = SEED + 2;
    long h3 = SEED + 3;
    int i = 0;
    for (; i + 32 <= len; i += 32) {
      h0 = mix(h0, (long) LONGS.get(a, i));
      h1 = mix(h1, (long) LONGS.get(a, i + 8));
      h2 = mix(h2, (long) LONGS.get(a, i + 16));
      h3 = mix(h3, (long) LONGS.get(a, i + 24));
    }
    int lane = 0;
    for (; i < len; i += 8, lane++) {
      long w;
      if (i + 8 <= len) {
        w = (long) LONGS.get(a, i);
      } else {
        w = 0;
        for (int k = len - 1; k >= i; k--) {
          w = (w << 8) | (a[k] & 0xFF);
        }
      }
      switch (lane) {
        case 0 -> h0 = mix(h0, w);
        case 1 -> h1 = mix(h1, w);
        case 2 -> h2 = mix(h2, w);
        default -> h3 = mix(h3, w);
      }
    }
    return mix(mix(mix(mix(mix(SEED, len), h0), h1), h2), h3);
  }

  /** {@link #checksum(byte[], int)} of the {@code len} bytes at native {@code address}. */
  static long checksum(long address, int len) {
    UnsafeMemory m = UnsafeMemory.MEMORY;
    long h0 = SEED;
    long h1 = SEED + 1;
    long h2 = SEED + 2;
    long h3 = SEED + 3;
    int i = 0;
    for (; i + 32 <= len; i += 32) {
      h0 = mix(h0, m.readLong(address + i));
      h1 = mix(h1, m.readLong(address + i + 8));
      h2 = mix(h2, m.readLong(address + i + 16));
      h3 = mix(h3, m.readLong(address + i + 24));
    }
    int lane = 0;
    for (; i < len; i += 8, lane++) {
      long w;
      if (i + 8 <= len) {
        w = m.readLong(address + i);
      } else {
        w = 0;
        for (int k = len - 1; k >= i; k--) {
          w = (w << 8) | (m.readByte(address + k) & 0xFF);
        }
      }
      switch (lane) {
        case 0 -> h0 = mix(h0, w);
        case 1 -> h1 = mix(h1, w);
        case 2 -> h2 = mix(h2, w);
        default -> h3 = mix(h3, w);
      }
    }
    return mix(mix(mix(mix(mix(SEED, len), h0), h1), h2), h3);
  }
}

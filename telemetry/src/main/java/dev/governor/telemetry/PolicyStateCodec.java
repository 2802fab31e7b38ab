package dev.governor.telemetry;

import dev.governor.control.PolicyState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;

/**
 * The one encoding of a {@link PolicyState} checkpoint: the state of a policy after deciding a
 * step, in the binary layout below (big-endian, as {@link DataOutputStream} writes it), with a
 * CRC-32 of the state bytes so a damaged file is recognised instead of restored.
 *
 * <pre>
 * int    magic 0x47505331 ("GPS1")
 * long   step the state was taken after
 * UTF    policy name (modified UTF-8, 2-byte length)
 * int    n, the length of the state bytes (0 .. 2^26)
 * byte[] the state bytes
 * long   CRC-32 of the state bytes
 * </pre>
 */
public final class PolicyStateCodec {
  private PolicyStateCodec() {}

  /** The first four bytes of every encoded state, "GPS1". */
  public static final int MAGIC = 0x47505331;

  /** The largest state accepted on decoding, in bytes (64 MiB). */
  public static final int MAX_BYTES = 1 << 26;

  /** A decoded checkpoint: the state and the step it was taken after. */
  public record Snapshot(long step, PolicyState state) {}

  /**
   * The encoding of {@code state} taken after step {@code step}.
   *
   * @throws IllegalArgumentException when {@code step < -1} (-1: before any step)
   */
  public static byte[] encode(PolicyState state, long step) {
    if (step < -1) {
      throw new IllegalArgumentException("step must be >= -1, but was " + step);
    }
    byte[] b = state.bytes();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(b.length + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeLong(step);
      out.writeUTF(state.policy());
      out.writeInt(b.length);
      out.write(b);
      out.writeLong(crc(b));
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes {@code data}.
   *
   * @throws IllegalArgumentException saying what is wrong (magic, length, CRC, truncation) when
   *     {@code data} is not an intact encoding
   */
  public static Snapshot decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IllegalArgumentException(
            "not a policy state (magic must be 0x47505331, but was 0x"
                + Integer.toHexString(magic)
                + ")");
      }
      long step = in.readLong();
      String name = in.readUTF();
      int n = in.readInt();
      if (n < 0 || n > MAX_BYTES) {
        throw new IllegalArgumentException(
            "state length must be in [0, " + MAX_BYTES + "], but was " + n);
      }
      byte[] b = in.readNBytes(n);
      if (b.length != n) {
        throw new IllegalArgumentException(
            "truncated: the state holds " + b.length + " of its " + n + " bytes");
      }
      long crc = in.readLong();
      if (crc != crc(b)) {
        throw new IllegalArgumentException("damaged: the CRC-32 of the state does not match");
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("has bytes after the state's CRC-32");
      }
      return new Snapshot(step, new PolicyState(name, b));
    } catch (java.io.EOFException e) {
      throw new IllegalArgumentException("truncated: it ends before its CRC-32", e);
    } catch (java.io.UTFDataFormatException e) {
      throw new IllegalArgumentException("damaged: the policy name is not modified UTF-8", e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading from memory cannot fail", e);
    }
  }

  private static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }
}

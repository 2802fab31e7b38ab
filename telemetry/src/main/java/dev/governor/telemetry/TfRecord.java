package dev.governor.telemetry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * The byte-level encoding of TensorBoard event files: TFRecord framing ({@code uint64 length,
 * uint32 masked_crc32c(length), data, uint32 masked_crc32c(data)}, little endian) and the
 * protocol-buffer field encodings an event is built from.
 */
public final class TfRecord {
  private TfRecord() {}

  /** Writes {@code data} as one TFRecord. */
  public static void write(OutputStream out, byte[] data) throws IOException {
    byte[] len = new byte[8];
    long n = data.length;
    for (int i = 0; i < 8; i++) {
      len[i] = (byte) (n >>> (8 * i));
    }
    out.write(len);
    writeInt(out, maskedCrc(len, 0, 8));
    out.write(data);
    writeInt(out, maskedCrc(data, 0, data.length));
  }

  /** TensorFlow's masked CRC32C of the bytes. */
  static int maskedCrc(byte[] data, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(data, off, len);
    return mask((int) c.getValue());
  }

  /** TensorFlow's mask of a CRC32C: {@code ((c >>> 15) | (c << 17)) + 0xa282ead8}. */
  static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  /** A length-delimited field (wire type 2): the tag, the length as a varint, the bytes. */
  public static void bytesField(ByteArrayOutputStream b, int field, byte[] data) {
    b.write((field << 3) | 2);
    varint(b, data.length);
    b.write(data, 0, data.length);
  }

  /** A base-128 varint. */
  public static void varint(ByteArrayOutputStream b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.write((int) v);
  }

  /** Four bytes, little endian (a {@code float} field's bits). */
  public static void fixed32(ByteArrayOutputStream b, int v) {
    for (int i = 0; i < 4; i++) {
      b.write(v >>> (8 * i));
    }
  }

  /** Eight bytes, little endian (a {@code double} field's bits). */
  public static void fixed64(ByteArrayOutputStream b, long v) {
    for (int i = 0; i < 8; i++) {
      b.write((int) (v >>> (8 * i)));
    }
  }

  private static void writeInt(OutputStream out, int v) throws IOException {
    for (int i = 0; i < 4; i++) {
      out.write(v >>> (8 * i));
    }
  }
}

package dev.governor.telemetry;

/**
 * A cursor over protobuf wire format in {@code b[pos, end)}: field keys, varints, fixed 32/64-bit
 * values, length-delimited fields, skipping unknown fields. Every read checks that it stays inside
 * the message and throws {@link Malformed} when it would not.
 */
final class ProtoCursor {
  /** Malformed wire data. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String m) {
      super(m, null, false, false);
    }
  }

  final byte[] b;
  int pos;
  final int end;

  ProtoCursor(byte[] b, int pos, int end) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }

  boolean more() {
    return pos < end;
  }

  int tag() throws Malformed {
    long t = varint();
    if (t <= 0 || t > Integer.MAX_VALUE || (t >>> 3) == 0) {
      throw new Malformed("bad field key " + t + " at byte " + pos);
    }
    return (int) t;
  }

  long varint() throws Malformed {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw new Malformed("truncated varint at byte " + pos);
      }
      int x = b[pos++];
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw new Malformed("varint longer than 10 bytes at byte " + pos);
  }

  long fixed64() throws Malformed {
    need(8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[pos + i] & 0xffL);
    }
    pos += 8;
    return v;
  }

  int fixed32() throws Malformed {
    need(4);
    int v = intAt(b, pos);
    pos += 4;
    return v;
  }

  int len() throws Malformed {
    long n = varint();
    if (n < 0 || n > end - pos) {
      throw new Malformed("length " + n + " at byte " + pos + " runs past its message");
    }
    return (int) n;
  }

  void expect(int at) throws Malformed {
    if (pos != at) {
      throw new Malformed("a nested message ends at byte " + pos + ", not at " + at);
    }
  }

  void skip(int key) throws Malformed {
    switch (key & 7) {
      case 0 -> varint();
      case 1 -> {
        need(8);
        pos += 8;
      }
      case 2 -> {
        int n = len(); // before the addition: it moves pos past the length
        pos += n;
      }
      case 5 -> {
        need(4);
        pos += 4;
      }
      default -> throw new Malformed("unsupported wire type " + (key & 7) + " at byte " + pos);
    }
  }

  private void need(int n) throws Malformed {
    if (end - pos < n) {
      throw new Malformed("truncated field at byte " + pos);
    }
  }

  /** The little-endian 32-bit integer at {@code b[i, i + 4)}. */
  static int intAt(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }
}

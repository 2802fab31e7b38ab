package dev.governor.telemetry;

/**
 * The scalar of a {@code tensorflow.TensorProto} holding one numeric element: float, double, half,
 * bfloat16, int8..int64, uint8 or bool, from {@code tensor_content} or the typed value fields.
 */
final class TensorScalar {
  private TensorScalar() {}

  // tensorflow.DataType
  static final int DT_FLOAT = 1;
  static final int DT_DOUBLE = 2;
  static final int DT_INT32 = 3;
  static final int DT_UINT8 = 4;
  static final int DT_INT16 = 5;
  static final int DT_INT8 = 6;
  static final int DT_STRING = 7;
  static final int DT_INT64 = 9;
  static final int DT_BOOL = 10;
  static final int DT_BFLOAT16 = 14;
  static final int DT_HALF = 19;

  /**
   * Decodes a TensorProto holding one numeric element into {@code out[0]}.
   *
   * @param tag the value's tag, for messages
   * @param recordOffset the byte offset of the event's record, for messages
   * @return false when the tensor is not a one-element numeric tensor (a string, or several
   *     elements)
   * @throws BadRecord when the tensor is numeric with one element but its data are missing or do
   *     not fit its type
   */
  static boolean decode(ProtoCursor p, double[] out, String tag, long recordOffset)
      throws ProtoCursor.Malformed, TfEventReader.BadRecord {
    int dtype = 0;
    long elements = 1;
    int contentAt = -1;
    int contentLen = 0;
    int typedCount = 0;
    double typed = Double.NaN;
    while (p.more()) {
      int k = p.tag();
      int field = k >>> 3;
      int wire = k & 7;
      switch (field) {
        case 1 -> dtype = (int) p.varint();
        case 2 -> {
          int end = p.len() + p.pos;
          while (p.pos < end) {
            int d = p.tag();
            if (d == ((2 << 3) | 2)) {
              int dend = p.len() + p.pos;
              long size = 1;
              while (p.pos < dend) {
                int q = p.tag();
                if (q == (1 << 3)) {
                  size = p.varint();
                } else {
                  p.skip(q);
                }
              }
              p.expect(dend);
              elements *= size;
            } else {
              p.skip(d);
            }
          }
          p.expect(end);
        }
        case 4 -> {
          contentLen = p.len();
          contentAt = p.pos;
          p.pos += contentLen;
        }
        case 5, 6, 7, 10, 11, 13 -> {
          // float_val, double_val, int_val, int64_val, bool_val, half_val: packed or not
          int end = wire == 2 ? p.len() + p.pos : -1;
          do {
            double v =
                switch (field) {
                  case 5 -> Float.intBitsToFloat(p.fixed32());
                  case 6 -> Double.longBitsToDouble(p.fixed64());
                  case 13 -> halfOrBfloat(dtype, (int) p.varint());
                  case 7 -> (int) p.varint();
                  default -> p.varint();
                };
            typed = v;
            typedCount++;
          } while (end >= 0 && p.pos < end);
          if (end >= 0) {
            p.expect(end);
          }
        }
        default -> p.skip(k);
      }
    }
    if (dtype == DT_STRING || elements != 1) {
      return false;
    }
    int width =
        switch (dtype) {
          case DT_FLOAT, DT_INT32 -> 4;
          case DT_DOUBLE, DT_INT64 -> 8;
          case DT_HALF, DT_BFLOAT16, DT_INT16 -> 2;
          case DT_UINT8, DT_INT8, DT_BOOL -> 1;
          default -> -1;
        };
    if (width < 0) {
      return false;
    }
    if (contentAt >= 0) {
      if (contentLen != width) {
        throw misfit(
            recordOffset, tag, dtype, width + " bytes of tensor_content were expected", contentLen);
      }
      long bits = 0;
      for (int i = width - 1; i >= 0; i--) {
        bits = (bits << 8) | (p.b[contentAt + i] & 0xffL);
      }
      out[0] =
          switch (dtype) {
            case DT_FLOAT -> Float.intBitsToFloat((int) bits);
            case DT_DOUBLE -> Double.longBitsToDouble(bits);
            case DT_HALF, DT_BFLOAT16 -> halfOrBfloat(dtype, (int) bits);
            case DT_INT32 -> (int) bits;
            case DT_INT16 -> (short) bits;
            case DT_INT8 -> (byte) bits;
            default -> bits; // int64, uint8, bool
          };
      return true;
    }
    if (typedCount != 1) {
      throw misfit(
          recordOffset,
          tag,
          dtype,
          "one value (tensor_content or a typed value field) was expected",
          typedCount);
    }
    out[0] = typed;
    return true;
  }

  /** The error for a one-element numeric tensor whose data do not fit its type. */
  private static TfEventReader.BadRecord misfit(
      long recordOffset, String tag, int dtype, String expected, int found) {
    return new TfEventReader.BadRecord(
        "offset "
            + recordOffset
            + ": tag '"
            + tag
            + "' is a one-element tensor of dtype "
            + dtype
            + ", so "
            + expected
            + ", but "
            + found
            + " were found");
  }

  /** An IEEE half (DT_HALF) or a bfloat16 from its 16 bits. */
  static double halfOrBfloat(int dtype, int bits) {
    if (dtype == DT_BFLOAT16) {
      return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
    int sign = (bits >>> 15) & 1;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    double v;
    if (exp == 0x1f) {
      v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (exp == 0) {
      v = Math.scalb((double) mant, -24); // subnormal: mant * 2^-24
    } else {
      v = Math.scalb((double) (mant | 0x400), exp - 25); // (1024 + mant) * 2^(exp - 25)
    }
    return sign == 1 ? -v : v;
  }
}

package dev.governor.control;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable snapshot of a policy's mutable state: the policy's name and an opaque, versioned
 * byte string. Written with {@link #writer(String)} and read back with {@link #reader(String)},
 * which checks that the state belongs to the expected kind of policy. Composite policies nest their
 * parts' states with {@link Writer#putState} / {@link Reader#getState}.
 *
 * <p>Doubles are stored as their raw bits, so a restored policy continues bit for bit.
 *
 * @param policy name of the policy that wrote the state
 * @param bytes the encoded state (copied in and out)
 */
public record PolicyState(String policy, byte[] bytes) {

  /** Validates and copies. */
  public PolicyState {
    if (policy == null || policy.isEmpty()) {
      throw new IllegalArgumentException("policy state must name its policy");
    }
    if (bytes == null) {
      throw new IllegalArgumentException("policy state bytes must not be null");
    }
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** A writer for the state of policy {@code policy}. */
  public static Writer writer(String policy) {
    return new Writer(policy);
  }

  /**
   * A reader over this state.
   *
   * @throws IllegalArgumentException when the state was written by another kind of policy
   */
  public Reader reader(String expectedPolicy) {
    if (!policy.equals(expectedPolicy)) {
      throw new IllegalArgumentException(
          "policy state is for '" + policy + "', but was restored into '" + expectedPolicy + "'");
    }
    return new Reader(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyState s && policy.equals(s.policy) && Arrays.equals(bytes, s.bytes);
  }

  @Override
  public int hashCode() {
    return 31 * policy.hashCode() + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "PolicyState[" + policy + ", " + bytes.length + " bytes]";
  }

  /** Appends values; not thread-safe. */
  public static final class Writer {
    private final String policy;
    private ByteBuffer buf = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

    private Writer(String policy) {
      this.policy = policy;
    }

    private void ensure(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger =
            ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    public Writer putDouble(double v) {
      ensure(8);
      buf.putLong(Double.doubleToRawLongBits(v));
      return this;
    }

    public Writer putLong(long v) {
      ensure(8);
      buf.putLong(v);
      return this;
    }

    public Writer putInt(int v) {
      ensure(4);
      buf.putInt(v);
      return this;
    }

    public Writer putBoolean(boolean v) {
      ensure(1);
      buf.put((byte) (v ? 1 : 0));
      return this;
    }

    /** Writes a length-prefixed array. */
    public Writer putDoubles(double[] v) {
      putInt(v.length);
      for (double d : v) {
        putDouble(d);
      }
      return this;
    }

    /** Nests another state (name and bytes). */
    public Writer putState(PolicyState s) {
      byte[] name = s.policy.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      putInt(name.length);
      ensure(name.length);
      buf.put(name);
      putInt(s.bytes.length);
      ensure(s.bytes.length);
      buf.put(s.bytes);
      return this;
    }

    public PolicyState build() {
      return new PolicyState(policy, Arrays.copyOf(buf.array(), buf.position()));
    }
  }

  /** Reads values in the order written; a short or long state is reported, never misread. */
  public static final class Reader {
    private final PolicyState state;
    private final ByteBuffer buf;

    private Reader(PolicyState state) {
      this.state = state;
      this.buf = ByteBuffer.wrap(state.bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void need(int n) {
      if (buf.remaining() < n) {
        throw new IllegalArgumentException(
            "policy state of '" + state.policy + "' is truncated at byte " + buf.position());
      }
    }

    public double getDouble() {
      need(8);
      return Double.longBitsToDouble(buf.getLong());
    }

    public long getLong() {
      need(8);
      return buf.getLong();
    }

    public int getInt() {
      need(4);
      return buf.getInt();
    }

    public boolean getBoolean() {
      need(1);
      return buf.get() != 0;
    }

    public double[] getDoubles() {
      int n = getInt();
      if (n < 0 || n > buf.remaining() / 8) {
        throw new IllegalArgumentException(
            "policy state of '" + state.policy + "' has a bad array length " + n);
      }
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = getDouble();
      }
      return v;
    }

    public PolicyState getState() {
      int n = getInt();
      if (n < 0 || n > buf.remaining()) {
        throw new IllegalArgumentException(
            "policy state of '" + state.policy + "' has a bad nested name length " + n);
      }
      byte[] name = new byte[n];
      buf.get(name);
      int m = getInt();
      if (m < 0 || m > buf.remaining()) {
        throw new IllegalArgumentException(
            "policy state of '" + state.policy + "' has a bad nested state length " + m);
      }
      byte[] b = new byte[m];
      buf.get(b);
      return new PolicyState(new String(name, java.nio.charset.StandardCharsets.UTF_8), b);
    }

    /**
     * Checks that everything was read.
     *
     * @throws IllegalArgumentException when bytes are left over (a state of another version)
     */
    public void end() {
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException(
            "policy state of '" + state.policy + "' has " + buf.remaining() + " unread bytes");
      }
    }
  }
}

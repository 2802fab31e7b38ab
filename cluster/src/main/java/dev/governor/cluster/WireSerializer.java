package dev.governor.cluster;

import dev.governor.control.Observation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Serializes the {@link Protocol} messages with {@link Wire}'s exact binary codec. Actor references
 * are written in Pekko's serialization format ({@link ActorRefResolver}).
 */
public final class WireSerializer extends SerializerWithStringManifest {
  private static final String OBSERVE = "O";
  private static final String END = "E";
  private static final String RESTORE = "R";
  private static final String DECIDED = "D";
  private static final String NEED = "N";
  private static final String REFUSED = "X";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  /** Created by Pekko's serialization extension. */
  public WireSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public int identifier() {
    return 0x476f7631; // "Gov1"
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Protocol.Observe) {
      return OBSERVE;
    } else if (o instanceof Protocol.EndRun) {
      return END;
    } else if (o instanceof Protocol.Restore) {
      return RESTORE;
    } else if (o instanceof Protocol.Decided) {
      return DECIDED;
    } else if (o instanceof Protocol.NeedState) {
      return NEED;
    } else if (o instanceof Protocol.Refused) {
      return REFUSED;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (o instanceof Protocol.Observe m) {
        out.writeUTF(m.runId());
        out.writeUTF(m.trainer());
        out.writeUTF(ref(m.link()));
        out.writeUTF(m.policy());
        out.writeLong(m.snapshotEvery());
        Wire.writeObservation(out, m.observation());
        writeObservations(out, m.ranks());
        out.writeInt(m.expectedRanks());
      } else if (o instanceof Protocol.EndRun m) {
        out.writeUTF(m.runId());
        out.writeUTF(m.trainer());
        out.writeLong(m.lastStep());
      } else if (o instanceof Protocol.Restore m) {
        out.writeUTF(m.trainer());
        out.writeLong(m.snapshotStep());
        out.writeUTF(m.snapshotPolicy() == null ? "" : m.snapshotPolicy());
        Wire.writeBytes(out, m.snapshot());
        out.writeLong(m.lastDecided());
        writeObservations(out, m.since());
      } else if (o instanceof Protocol.Decided m) {
        out.writeUTF(m.runId());
        Wire.writeDecision(out, m.decision());
        out.writeUTF(m.snapshotPolicy() == null ? "" : m.snapshotPolicy());
        Wire.writeBytes(out, m.snapshot());
        out.writeInt(m.missingRanks());
      } else if (o instanceof Protocol.NeedState m) {
        out.writeUTF(m.runId());
        out.writeUTF(m.trainer());
        out.writeUTF(ref(m.entity()));
        out.writeLong(m.upTo());
      } else if (o instanceof Protocol.Refused m) {
        out.writeUTF(m.runId());
        out.writeUTF(m.reason());
      } else {
        throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      switch (manifest) {
        case OBSERVE:
          return new Protocol.Observe(
              in.readUTF(),
              in.readUTF(),
              resolver().resolveActorRef(in.readUTF()),
              in.readUTF(),
              in.readLong(),
              Wire.readObservation(in),
              readObservations(in),
              in.readInt());
        case END:
          return new Protocol.EndRun(in.readUTF(), in.readUTF(), in.readLong());
        case RESTORE:
          {
            String trainer = in.readUTF();
            long snapStep = in.readLong();
            String policy = emptyToNull(in.readUTF());
            byte[] snap = Wire.readBytes(in);
            long lastDecided = in.readLong();
            List<Observation> since = readObservations(in);
            return new Protocol.Restore(trainer, snapStep, policy, snap, lastDecided, since);
          }
        case DECIDED:
          return new Protocol.Decided(
              in.readUTF(),
              Wire.readDecision(in),
              emptyToNull(in.readUTF()),
              Wire.readBytes(in),
              in.readInt());
        case NEED:
          return new Protocol.NeedState(
              in.readUTF(), in.readUTF(), resolver().resolveActorRef(in.readUTF()), in.readLong());
        case REFUSED:
          return new Protocol.Refused(in.readUTF(), in.readUTF());
        default:
          throw new NotSerializableException("unknown manifest '" + manifest + "'");
      }
    } catch (IOException | IllegalArgumentException e) {
      NotSerializableException n =
          new NotSerializableException("cannot read a " + manifest + " message: " + e);
      n.initCause(e);
      throw n;
    }
  }

  private static void writeObservations(DataOutputStream out, List<Observation> os)
      throws IOException {
    out.writeInt(os.size());
    for (Observation o : os) {
      Wire.writeObservation(out, o);
    }
  }

  private static List<Observation> readObservations(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > (1 << 24)) {
      throw new IOException("observation count must be in [0, 2^24], but was " + n);
    }
    List<Observation> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Wire.readObservation(in));
    }
    return out;
  }

  private String ref(ActorRef<?> r) {
    return resolver().toSerializationFormat(r);
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}

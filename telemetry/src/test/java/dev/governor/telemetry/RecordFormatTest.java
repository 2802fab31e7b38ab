package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record format itself: schema 2 layout and checksum, and reading schema-1 queues. */
class RecordFormatTest {
  @TempDir Path tmp;

  private static double[] nans(int n) {
    double[] a = new double[n];
    Arrays.fill(a, Double.NaN);
    return a;
  }

  @Test
  void allNaNLayerArraysKeepTheirLength() {
    double[] values = {0.5, 0.25, 0.125};
    List<Observation> written =
        List.of(
            // grad all NaN, param empty, update measured
            Observation.builder(0).layerGradNorms(nans(3)).layerUpdateNorms(values).build(),
            // every array all NaN
            Observation.builder(1)
                .layerGradNorms(nans(3))
                .layerParamNorms(nans(3))
                .layerUpdateNorms(nans(3))
                .build(),
            // only an all-NaN param array
            Observation.builder(2).layerParamNorms(nans(2)).build(),
            // grad measured, param all NaN, update empty
            Observation.builder(3).layerGradNorms(values).layerParamNorms(nans(3)).build());
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender()) {
      written.forEach(a::append);
    }
    try (TelemetryLog log = TelemetryLog.openReadOnly(tmp.resolve("t"));
        TelemetryLog.Tailer t = log.tailer()) {
      for (Observation expected : written) {
        Observation got = t.poll();
        assertEquals(expected, got);
        assertEquals(expected.layerGradNorms().length, got.layerGradNorms().length);
        assertEquals(expected.layerParamNorms().length, got.layerParamNorms().length);
        assertEquals(expected.layerUpdateNorms().length, got.layerUpdateNorms().length);
      }
      assertNull(t.poll());
    }
  }

  @Test
  void anAppenderMayMoveBetweenThreads() throws Exception {
    // an actor's appender runs on whichever dispatcher thread picks up the actor next
    try (TelemetryLog log = TelemetryLog.open(tmp.resolve("t"));
        TelemetryLog.Appender a = log.appender();
        DecisionLog dlog = DecisionLog.open(tmp.resolve("d"));
        DecisionLog.Appender da = dlog.appender()) {
      for (int s = 0; s < 4; s++) {
        long step = s;
        Thread th =
            new Thread(
                () -> {
                  a.append(Fixtures.observation(step, 8));
                  a.appendEvent(EventKind.LATENCY, step, 1.0);
                  da.append(Fixtures.decision(step, 2));
                });
        List<Throwable> failed = new ArrayList<>();
        th.setUncaughtExceptionHandler((t, e) -> failed.add(e));
        th.start();
        th.join();
        assertEquals(List.of(), failed);
      }
      assertEquals(4, log.scan().observations());
      assertEquals(4, dlog.scan().decisions());
    }
  }

  @Test
  void layoutIsWordAlignedWithLengthAndChecksum() {
    try (RecordWriter w = new RecordWriter()) {
      checkLayout(w);
    }
  }

  private static void checkLayout(RecordWriter w) {
    Bytes<?> b = w.observation(Fixtures.observation(5, 8));
    // tag+length 8, step 8, 2 int pairs 16, 10 doubles 80, 3 x 8 layers 192, checksum 8
    assertEquals(312, b.readRemaining());
    assertEquals(Records.tag(Records.KIND_OBSERVATION), b.readInt(0));
    assertEquals(0x4756_0102, b.readInt(0), "'GV', kind 1, version 2");
    assertEquals(312, b.readInt(4));
    assertEquals(5, b.readLong(8));
    assertEquals(8, b.readInt(24), "layers");
    assertEquals(7, b.readInt(28), "all three arrays present");
    assertEquals(Fixtures.observation(5, 8).loss(), Double.longBitsToDouble(b.readLong(32)));
    assertEquals(0.1 * 1 + 5 * 1e-3, Double.longBitsToDouble(b.readLong(112)), "grad[0]");
    assertEquals(40, w.event(EventKind.FAULT, 9, 1.0).readRemaining());
    Decision d = Fixtures.decision(4, 3);
    assertEquals(16 + 24 + 8 + 3 * 8 + 88 + 8 + 8, w.decision(d).readRemaining());
  }

  @Test
  void heapAndNativeChecksumsAgree() {
    byte[] a = new byte[40];
    new java.util.Random(3).nextBytes(a);
    Bytes<?> n = Bytes.allocateDirect(40);
    try {
      n.write(a);
      for (int len = 0; len <= 40; len++) {
        assertEquals(
            Records.checksum(a, len), Records.checksum(n.addressForRead(0), len), "len " + len);
      }
      // the length is mixed in: trailing zero bytes still change the checksum
      assertTrue(Records.checksum(new byte[8], 7) != Records.checksum(new byte[8], 8));
    } finally {
      n.releaseLast();
    }
  }

  @Test
  void everySingleBitFlipIsDetected() {
    byte[] good;
    try (RecordWriter w = new RecordWriter()) {
      good = w.observation(Fixtures.observation(7, 8)).toByteArray();
    }
    RecordReader r = new RecordReader();
    assertEquals(Records.KIND_OBSERVATION, r.start(Bytes.wrapForRead(good.clone())));
    assertEquals(Fixtures.observation(7, 8), r.observation());
    int flips = 0;
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) (1 << bit);
        IllegalStateException e =
            assertThrows(
                IllegalStateException.class,
                () -> {
                  r.start(Bytes.wrapForRead(bad));
                  r.observation();
                },
                "flip of bit " + bit + " of byte " + i);
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        flips++;
      }
    }
    assertEquals(312 * 8, flips);
  }

  /** An independent schema-1 encoder, written from the schema-1 description in {@link Records}. */
  private static final class V1 {
    private final Bytes<?> b;
    private long h = 0x243F_6A88_85A3_08D3L;

    V1(Bytes<?> b, int kind, long step) {
      this.b = b;
      i(0x4756_0001 | (kind << 8));
      l(step);
    }

    V1 i(int v) {
      b.writeInt(v);
      mix(v); // an int is mixed sign-extended to 64 bits
      return this;
    }

    V1 l(long v) {
      b.writeLong(v);
      mix(v);
      return this;
    }

    V1 d(double... vs) {
      for (double v : vs) {
        l(Double.doubleToRawLongBits(v));
      }
      return this;
    }

    private void mix(long v) {
      h = Long.rotateLeft((h ^ v) * 0x9E37_79B9_7F4A_7C15L, 29);
    }

    void end() {
      b.writeLong(h);
    }
  }

  private static void writeV1(ExcerptAppender a, Observation o) {
    try (DocumentContext dc = a.writingDocument()) {
      int mask =
          (o.layerGradNorms().length > 0 ? 1 : 0)
              | (o.layerParamNorms().length > 0 ? 2 : 0)
              | (o.layerUpdateNorms().length > 0 ? 4 : 0);
      new V1(dc.wire().bytes(), 1, o.step())
          .i(o.epoch())
          .i(o.batchSize())
          .d(o.loss(), o.gradNorm(), o.paramNorm(), o.updateNorm(), o.alignment())
          .d(o.sharpness(), o.valLoss(), o.lr(), o.clip(), o.weightDecay())
          .i(o.layerCount())
          .i(mask)
          .d(o.layerGradNorms())
          .d(o.layerParamNorms())
          .d(o.layerUpdateNorms())
          .end();
    }
  }

  @Test
  void readsSchema1TelemetryAndEvents() {
    Path dir = tmp.resolve("v1");
    try (ChronicleLog raw = ChronicleLog.open(dir, "telemetry", false)) {
      ExcerptAppender a = raw.createAppender();
      writeV1(a, Fixtures.observation(0, 8));
      try (DocumentContext dc = a.writingDocument()) {
        new V1(dc.wire().bytes(), 3, 0).i(EventKind.RESTART.code()).d(2.5).end();
      }
      writeV1(a, Fixtures.observation(1, 0));
    }
    List<Object> got;
    try (TelemetryLog log = TelemetryLog.openReadOnly(dir)) {
      got = Fixtures.values(log.records());
      assertEquals(2, log.scan().observations());
    }
    assertEquals(
        List.of(
            Fixtures.observation(0, 8),
            new Event(EventKind.RESTART, 0, 2.5),
            Fixtures.observation(1, 0)),
        got);
  }

  @Test
  void readsSchema1Decisions() {
    Path dir = tmp.resolve("v1d");
    Decision d = Fixtures.decision(12, 3);
    try (ChronicleLog raw = ChronicleLog.open(dir, "decision", false)) {
      ExcerptAppender a = raw.createAppender();
      try (DocumentContext dc = a.writingDocument()) {
        new V1(dc.wire().bytes(), 2, d.step)
            .d(d.lr, d.clip, d.weightDecay)
            .i(d.action.code())
            .i(d.layerCount)
            .d(Arrays.copyOf(d.layerLrMultipliers, d.layerCount))
            .d(d.lrMeasurement, d.lrError, d.lrIntegral)
            .d(d.clipMeasurement, d.clipError, d.clipIntegral)
            .d(d.wdMeasurement, d.wdError, d.wdIntegral)
            .d(d.lossZ, d.gradZ)
            .l(d.faults)
            .end();
      }
    }
    try (DecisionLog log = DecisionLog.openReadOnly(dir);
        DecisionLog.Tailer t = log.tailer()) {
      Decision into = new Decision();
      assertTrue(t.poll(into));
      assertTrue(Fixtures.same(d, into));
      assertArrayEquals(
          Arrays.copyOf(d.layerLrMultipliers, 3), Arrays.copyOf(into.layerLrMultipliers, 3));
    }
  }
}

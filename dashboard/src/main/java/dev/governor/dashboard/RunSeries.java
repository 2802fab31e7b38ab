package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A watched run's series in memory and their JSON for the page: the telemetry and decision columns
 * (one row per observation, one per decision), the marked events (the newest {@link #MAX_MARKED})
 * and the count of every event kind. Not thread-safe: the owning {@link RunData} guards it.
 *
 * <p>NaN and ±Inf measurements are kept as read and written to JSON as {@code "NaN"}, {@code
 * "Infinity"} and {@code "-Infinity"} (the encoding of {@link dev.governor.report.Json}; the page
 * draws a gap).
 */
final class RunSeries {
  /** Telemetry columns: one row per observation. */
  static final List<String> TELE =
      List.of("step", "loss", "valLoss", "lr", "clip", "gradNorm", "wd", "updateRatio");

  /**
   * Decision columns: one row per decision (its step is the observation it followed); pv / sp are
   * each loop's filtered process variable and setpoint (measurement + error).
   */
  static final List<String> DEC =
      List.of(
          "step", "lr", "clip", "wd", "lrPv", "lrSp", "clipPv", "clipSp", "wdPv", "wdSp", "action");

  /** Event kinds marked on the time axis and listed one by one; others are only counted. */
  static final Set<EventKind> MARKED =
      EnumSet.of(EventKind.SKIP, EventKind.ROLLBACK, EventKind.TIMEOUT, EventKind.RESTART);

  /** At most this many marked events are kept (the newest). */
  static final int MAX_MARKED = 5000;

  private final Table tele = new Table(TELE);
  private final Table dec = new Table(DEC);
  private final List<Event> marked = new ArrayList<>();
  private long markedDropped;
  private final EnumMap<EventKind, Long> counts = new EnumMap<>(EventKind.class);

  /** Appends an observation's row. */
  void observation(Observation o) {
    double[] r = tele.row();
    r[0] = o.step();
    r[1] = o.loss();
    r[2] = o.valLoss();
    r[3] = o.lr();
    r[4] = o.clip();
    r[5] = o.gradNorm();
    r[6] = o.weightDecay();
    r[7] = o.updateNorm() / o.paramNorm();
    tele.add();
  }

  /** Appends a decision's row. */
  void decision(Decision d) {
    double[] r = dec.row();
    r[0] = d.step;
    r[1] = d.lr;
    r[2] = d.clip;
    r[3] = d.weightDecay;
    r[4] = d.lrMeasurement;
    r[5] = d.lrMeasurement + d.lrError;
    r[6] = d.clipMeasurement;
    r[7] = d.clipMeasurement + d.clipError;
    r[8] = d.wdMeasurement;
    r[9] = d.wdMeasurement + d.wdError;
    r[10] = d.action.ordinal();
    dec.add();
  }

  /** Counts an event, and keeps it when its kind is {@link #MARKED}. */
  void event(Event e) {
    counts.merge(e.kind(), 1L, Long::sum);
    if (MARKED.contains(e.kind())) {
      if (marked.size() == MAX_MARKED) {
        marked.remove(0);
        markedDropped++;
      }
      marked.add(e);
    }
  }

  /** Whether the run's END event was read. */
  boolean ended() {
    return counts.containsKey(EventKind.END);
  }

  int teleRows() {
    return tele.size();
  }

  int decRows() {
    return dec.size();
  }

  /** Events read so far, of every kind. */
  int events() {
    return counts.values().stream().mapToInt(Long::intValue).sum();
  }

  /** The step of the last observation, or -1 before the first. */
  long lastStep() {
    return tele.lastStep();
  }

  /** The {@code eventCounts} object: the count of each kind read so far. */
  void writeCounts(JsonGenerator g) throws IOException {
    g.writeObjectFieldStart("eventCounts");
    for (Map.Entry<EventKind, Long> e : counts.entrySet()) {
      g.writeNumberField(e.getKey().name(), e.getValue());
    }
    g.writeEndObject();
  }

  /**
   * Writes rows {@code [teleFrom, teleRows)} and {@code [decFrom, decRows)} (downsampled to {@code
   * buckets} when longer) and the marked events from {@code eventFrom}; returns the new cursor
   * {teleRows, decRows, events}.
   */
  int[] writeSeries(JsonGenerator g, int teleFrom, int decFrom, int eventFrom, int buckets)
      throws IOException {
    g.writeFieldName("tele");
    writeTable(g, tele, teleFrom, buckets);
    g.writeFieldName("dec");
    writeTable(g, dec, decFrom, buckets);
    int total = marked.size() + (int) markedDropped;
    int start = Math.max(0, eventFrom - (int) markedDropped);
    g.writeArrayFieldStart("events");
    for (int i = start; i < marked.size(); i++) {
      Event e = marked.get(i);
      g.writeStartArray();
      g.writeString(e.kind().name());
      g.writeNumber(e.step());
      writeNumber(g, e.detail());
      g.writeEndArray();
    }
    g.writeEndArray();
    return new int[] {tele.size(), dec.size(), total};
  }

  private static void writeTable(JsonGenerator g, Table t, int from, int buckets)
      throws IOException {
    int to = t.size();
    double[][] cols = t.columns();
    int[] rows = Downsample.minMaxRows(cols, Math.min(from, to), to, buckets);
    g.writeStartObject();
    g.writeNumberField("from", from);
    g.writeNumberField("to", to);
    g.writeNumberField("rows", rows.length);
    g.writeArrayFieldStart("cols");
    for (double[] c : cols) {
      g.writeStartArray();
      for (int r : rows) {
        writeNumber(g, c[r]);
      }
      g.writeEndArray();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /**
   * A number: an integral value without a fraction, NaN and ±Inf as the generator's factory spells
   * them ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} for {@link
   * dev.governor.report.Json#MAPPER}'s, which the server uses).
   */
  static void writeNumber(JsonGenerator g, double v) throws IOException {
    if (!Double.isFinite(v)) {
      g.writeNumber(v);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      g.writeNumber((long) v);
    } else {
      g.writeNumber(v);
    }
  }
}

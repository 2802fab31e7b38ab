package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The one place that polls a tailer to the end: the streams of {@link RecordLog}, {@link
 * TelemetryLog} and {@link DecisionLog}, and {@link RecordLog.Tailer#drain}. A stream owns its
 * tailer and closes it when the stream is closed.
 */
final class RecordStreams {
  private RecordStreams() {}

  private static final int CHARACTERISTICS =
      Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE;

  /** Every record {@code t} reads from here to the current end, as owned values. */
  static Stream<LogRecord> records(RecordLog.Tailer t) {
    return owned(new RecordSpliterator(t), t);
  }

  /** Reads one record per advance and hands it on as an owned {@link LogRecord}. */
  private static final class RecordSpliterator extends Spliterators.AbstractSpliterator<LogRecord>
      implements RecordHandler {
    private final RecordLog.Tailer tailer;
    private LogRecord found;

    RecordSpliterator(RecordLog.Tailer tailer) {
      super(Long.MAX_VALUE, CHARACTERISTICS);
      this.tailer = tailer;
    }

    @Override
    public boolean tryAdvance(Consumer<? super LogRecord> action) {
      LogRecord r = read();
      if (r == null) {
        return false;
      }
      action.accept(r);
      return true;
    }

    /** The next record, or null when there is nothing new. */
    LogRecord read() {
      found = null;
      return tailer.poll(this) ? found : null;
    }

    @Override
    public void observation(Observation o) {
      found = new LogRecord.Observed(o);
    }

    @Override
    public void decision(Decision d) {
      found = new LogRecord.Decided(new Decision().copyFrom(d));
    }

    @Override
    public void event(Event e) {
      found = new LogRecord.Occurred(e);
    }
  }

  /** The events among {@code records}. */
  static Stream<Event> events(Stream<LogRecord> records) {
    return records
        .filter(r -> r instanceof LogRecord.Occurred)
        .map(r -> ((LogRecord.Occurred) r).event());
  }

  /** Every observation {@code t} reads from here to the current end. */
  static Stream<Observation> observations(TelemetryLog.Tailer t) {
    Spliterator<Observation> s =
        new Spliterators.AbstractSpliterator<Observation>(Long.MAX_VALUE, CHARACTERISTICS) {
          @Override
          public boolean tryAdvance(Consumer<? super Observation> action) {
            Observation o = t.poll();
            if (o == null) {
              return false;
            }
            action.accept(o);
            return true;
          }
        };
    return owned(s, t);
  }

  /** Every decision {@code t} reads from here to the current end, each a fresh copy. */
  static Stream<Decision> decisions(DecisionLog.Tailer t) {
    Spliterator<Decision> s =
        new Spliterators.AbstractSpliterator<Decision>(Long.MAX_VALUE, CHARACTERISTICS) {
          private final Decision holder = new Decision();

          @Override
          public boolean tryAdvance(Consumer<? super Decision> action) {
            if (!t.poll(holder)) {
              return false;
            }
            action.accept(new Decision().copyFrom(holder));
            return true;
          }
        };
    return owned(s, t);
  }

  /** Hands every record there is now to {@code h}; how many. */
  static long drain(RecordLog.Tailer t, RecordHandler h) {
    long n = 0;
    while (t.poll(h)) {
      n++;
    }
    return n;
  }

  /** The next record {@code t} reads as an owned value, or null when there is nothing new. */
  static LogRecord next(RecordLog.Tailer t) {
    return new RecordSpliterator(t).read();
  }

  /** The next decision with step {@code >= step} into {@code into}; false when there is none. */
  static boolean pollFrom(DecisionLog.Tailer t, long step, Decision into) {
    while (t.poll(into)) {
      if (into.step >= step) {
        return true;
      }
    }
    return false;
  }

  /** The step of the last decision {@code t} reads to the current end (into {@code d}), or -1. */
  static long lastDecidedStep(DecisionLog.Tailer t, Decision d) {
    long last = -1;
    while (t.poll(d)) {
      last = d.step;
    }
    return last;
  }

  private static <T> Stream<T> owned(Spliterator<T> s, RecordLog.Tailer tailer) {
    return StreamSupport.stream(s, false).onClose(tailer::close);
  }
}

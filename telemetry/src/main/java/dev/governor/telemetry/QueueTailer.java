package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads Governor records from one queue without blocking. Implements both typed tailers; each log
 * hands it out under its own interface. Not thread-safe: one thread at a time (it may change).
 */
final class QueueTailer implements TelemetryLog.Tailer, DecisionLog.Tailer {
  private final ChronicleLog log;
  private final ExcerptTailer tailer;
  private final RecordReader reader = new RecordReader();
  private final Decision holder = new Decision();
  private long lastStep = -1;
  private Observation lastObservation;
  private boolean closed;
  private java.io.File lastFile;
  private long lastEnd;
  private long lastIndex = -1;

  private final int mainKind;

  /**
   * @param mainKind the record kind of this queue besides events ({@link Records#KIND_OBSERVATION}
   *     or {@link Records#KIND_DECISION}); any other kind is reported as a foreign record
   */
  QueueTailer(ChronicleLog log, ExcerptTailer tailer, int mainKind) {
    this.log = log;
    this.tailer = tailer;
    this.mainKind = mainKind;
  }

  /**
   * Refuses a record of a kind that does not belong in a {@code what} queue: neither {@code
   * mainKind} nor an event.
   */
  static void checkKind(int kind, int mainKind, String what) {
    if (kind != mainKind && kind != Records.KIND_EVENT) {
      throw new IllegalStateException(
          "is of kind "
              + Records.kindName(kind)
              + ", which does not belong in a "
              + what
              + " queue");
    }
  }

  /** Reads one record; kind in {@link Records}, or 0 when there is nothing new. */
  private int next(RecordHandler h, Decision into, boolean wantObservation) {
    if (closed) {
      throw new IllegalStateException("tailer of " + log.path() + " is closed");
    }
    Observation obs = null;
    Event ev = null;
    int kind;
    if (lastFile != null) {
      log.checkCut(lastFile, lastEnd, lastIndex);
    }
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        if (log.readOnly()) {
          log.checkEnd();
        }
        return 0;
      }
      Bytes<?> b = dc.wire().bytes();
      long index = dc.index();
      if (log.readOnly()) {
        lastFile = tailer.currentFile();
        lastEnd = b.readLimit();
        lastIndex = index;
      }
      try {
        kind = reader.start(b);
        checkKind(kind, mainKind, log.what());
        switch (kind) {
          case Records.KIND_OBSERVATION -> {
            if (h != null || wantObservation) {
              obs = reader.observation();
            }
          }
          case Records.KIND_DECISION -> {
            if (h != null || into != null) {
              reader.decision(into != null ? into : holder);
            }
          }
          case Records.KIND_EVENT -> {
            if (h != null) {
              ev = reader.event();
            }
          }
          default -> throw new IllegalStateException("has an unknown record kind " + kind);
        }
      } catch (IllegalStateException | IllegalArgumentException e) {
        throw log.damaged(tailer, index, e);
      }
      lastStep = reader.step;
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | InternalError e) {
      throw log.readFailure(tailer, e);
    }
    if (h != null) {
      switch (kind) {
        case Records.KIND_OBSERVATION -> h.observation(obs);
        case Records.KIND_DECISION -> h.decision(into != null ? into : holder);
        default -> h.event(ev);
      }
    } else if (wantObservation && obs != null) {
      lastObservation = obs;
    }
    return kind;
  }

  @Override
  public boolean poll(RecordHandler handler) {
    if (handler == null) {
      throw new IllegalArgumentException("handler must not be null");
    }
    return next(handler, null, false) != 0;
  }

  @Override
  public Observation poll() {
    while (true) {
      int kind = next(null, null, true);
      if (kind == 0) {
        return null;
      }
      if (kind == Records.KIND_OBSERVATION) {
        Observation o = lastObservation;
        lastObservation = null;
        return o;
      }
    }
  }

  @Override
  public boolean poll(Decision into) {
    if (into == null) {
      throw new IllegalArgumentException("decision holder must not be null");
    }
    while (true) {
      int kind = next(null, into, false);
      if (kind == 0) {
        return false;
      }
      if (kind == Records.KIND_DECISION) {
        return true;
      }
    }
  }

  @Override
  public long lastStep() {
    return lastStep;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      tailer.close();
      log.unregister(tailer);
    }
  }
}

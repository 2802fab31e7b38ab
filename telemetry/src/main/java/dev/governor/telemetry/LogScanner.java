package dev.governor.telemetry;

import dev.governor.control.Decision;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/** The whole-queue check behind {@link RecordLog#scan()}: counts, step order, size, torn tail. */
final class LogScanner {
  private LogScanner() {}

  /**
   * Reads every record, checks it, and looks past the last one for a torn (incomplete) record.
   *
   * @throws TelemetryException naming the file at the first damaged or foreign record
   */
  static LogScan scan(ChronicleLog log, int mainKind) {
    ExcerptTailer t = log.createTailer();
    RecordReader r = new RecordReader();
    Decision scratch = new Decision();
    long obs = 0;
    long dec = 0;
    long ev = 0;
    long firstStep = -1;
    long lastStep = -1;
    long lastMain = -1;
    boolean increasing = true;
    File lastFile = null;
    long lastEnd = -1;
    long lastIndex = -1;
    try {
      while (true) {
        if (lastFile != null) {
          log.checkCut(lastFile, lastEnd, lastIndex);
        }
        try (DocumentContext dc = t.readingDocument()) {
          if (!dc.isPresent()) {
            log.checkEnd();
            break;
          }
          Bytes<?> b = dc.wire().bytes();
          lastFile = t.currentFile();
          lastEnd = b.readLimit();
          long index = dc.index();
          lastIndex = index;
          try {
            int kind = r.start(b);
            QueueTailer.checkKind(kind, mainKind, log.what());
            switch (kind) {
              case Records.KIND_OBSERVATION -> {
                r.observation();
                obs++;
              }
              case Records.KIND_DECISION -> {
                r.decision(scratch);
                dec++;
              }
              case Records.KIND_EVENT -> {
                r.event();
                ev++;
              }
              default -> throw new IllegalStateException("has an unknown record kind " + kind);
            }
          } catch (IllegalStateException | IllegalArgumentException e) {
            throw log.damaged(t, index, e);
          }
          if (firstStep < 0) {
            firstStep = r.step;
          }
          lastStep = r.step;
          if (r.kind != Records.KIND_EVENT) {
            if (r.step <= lastMain) {
              increasing = false;
            }
            lastMain = r.step;
          }
        }
      }
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | InternalError e) {
      throw log.readFailure(t, e);
    } finally {
      t.close();
      log.unregister(t);
    }
    List<Path> files = cycleFiles(log);
    long bytes = 0;
    for (Path f : files) {
      bytes += allocatedBytes(f);
    }
    Optional<String> torn = Optional.empty();
    if (!files.isEmpty()) {
      Path newest = files.get(files.size() - 1);
      long from =
          lastFile != null && lastFile.toPath().toAbsolutePath().equals(newest.toAbsolutePath())
              ? lastEnd
              : 0;
      torn = TornTail.find(newest, from);
    }
    return new LogScan(
        log.path(), obs, dec, ev, firstStep, lastStep, increasing, files.size(), bytes, torn);
  }

  /** The cycle files, oldest first (their names sort by time). */
  private static List<Path> cycleFiles(ChronicleLog log) {
    try (Stream<Path> s = Files.list(log.path())) {
      return s.filter(p -> p.getFileName().toString().endsWith(".cq4")).sorted().toList();
    } catch (IOException e) {
      throw new TelemetryException("cannot list the " + log.what() + " queue " + log.path(), e);
    }
  }

  /** The file's length; Chronicle files are sparse and preallocated, so disk usage is lower. */
  private static long allocatedBytes(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }
}

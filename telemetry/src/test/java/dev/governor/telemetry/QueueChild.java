package dev.governor.telemetry;

import dev.governor.control.Observation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The child process of the cross-JVM tests. Modes:
 *
 * <ul>
 *   <li>{@code write DIR N HALF} — appends N observations; after HALF of them prints {@code HALF}
 *       and waits for a line on stdin; prints {@code DONE} at the end.
 *   <li>{@code tail DIR N} — prints {@code READY} once tailing, reads N observations, checks each
 *       against {@link Fixtures}, prints {@code OK n} or {@code BAD step}.
 *   <li>{@code torn DIR N} — appends N observations, then begins one more record, writes half of
 *       it, prints {@code READY} and waits (to be killed).
 *   <li>{@code stream DIR} — appends observations forever, printing {@code WROTE k} every 1000.
 * </ul>
 */
public final class QueueChild {
  private QueueChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    switch (args[0]) {
      case "write" -> {
        int n = Integer.parseInt(args[2]);
        int half = Integer.parseInt(args[3]);
        try (TelemetryLog log = TelemetryLog.open(dir);
            TelemetryLog.Appender a = log.appender()) {
          for (int i = 0; i < n; i++) {
            if (i == half) {
              System.out.println("HALF");
              System.out.flush();
              stdin.readLine();
            }
            a.append(Fixtures.observation(i, 8));
          }
        }
        System.out.println("DONE");
      }
      case "tail" -> {
        int n = Integer.parseInt(args[2]);
        try (TelemetryLog log = TelemetryLog.openReadOnly(dir);
            TelemetryLog.Tailer t = log.tailer()) {
          System.out.println("READY");
          System.out.flush();
          int got = 0;
          while (got < n) {
            Observation o = t.poll();
            if (o == null) {
              Thread.onSpinWait();
              continue;
            }
            if (!o.equals(Fixtures.observation(got, 8))) {
              System.out.println("BAD " + o.step());
              return;
            }
            got++;
          }
          System.out.println("OK " + got);
        }
      }
      case "torn" -> {
        int n = Integer.parseInt(args[2]);
        ChronicleLog log = ChronicleLog.open(dir, "telemetry", false);
        TelemetryLog.Appender a = new QueueAppender(log, log.createAppender());
        for (int i = 0; i < n; i++) {
          a.append(Fixtures.observation(i, 8));
        }
        ExcerptAppender raw = log.createAppender();
        DocumentContext dc = raw.writingDocument();
        Bytes<?> b = dc.wire().bytes();
        b.writeInt(Records.tag(Records.KIND_OBSERVATION));
        b.writeLong(n);
        b.writeInt(0);
        System.out.println("READY");
        System.out.flush();
        stdin.readLine();
        dc.close();
      }
      case "stream" -> {
        try (TelemetryLog log = TelemetryLog.open(dir);
            TelemetryLog.Appender a = log.appender()) {
          for (long i = 0; ; i++) {
            a.append(Fixtures.observation(i, 8));
            if ((i + 1) % 1000 == 0) {
              System.out.println("WROTE " + (i + 1));
              System.out.flush();
            }
          }
        }
      }
      default -> throw new IllegalArgumentException("mode must be write|tail|torn|stream");
    }
  }
}

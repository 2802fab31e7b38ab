package dev.governor.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Server-Sent Events stream of one page ({@code /api/stream}): the server's info, the listing
 * whenever it changes, and for each run the page selected a downsampled snapshot followed by the
 * rows appended since (a fresh snapshot after {@value #RESNAPSHOT_ROWS} appended rows). An idle
 * stream sends a keep-alive comment every {@value #KEEPALIVE_MILLIS} ms.
 */
final class EventStream {
  /** Keep-alive comment period of an idle stream. */
  static final int KEEPALIVE_MILLIS = 15_000;

  /** A stream re-sends a snapshot of a run after this many rows appended since its last one. */
  static final int RESNAPSHOT_ROWS = 20_000;

  /**
   * The longest gap a page may ask for between two events of a run ({@code every}, ms): rows
   * appended meanwhile go out together.
   */
  static final int MAX_EVERY_MILLIS = 2000;

  /** Runs one stream sends at most. */
  private static final int MAX_RUNS = 32;

  private final RunWatch watch;
  private final int maxStreams;
  private final int listLimit;
  private final Http.JsonWriter info;
  private final AtomicInteger streams = new AtomicInteger();

  /**
   * @param info writes the server's {@code info} object, the stream's first event
   */
  EventStream(RunWatch watch, int maxStreams, int listLimit, Http.JsonWriter info) {
    this.watch = watch;
    this.maxStreams = maxStreams;
    this.listLimit = listLimit;
    this.info = info;
  }

  /** One run a stream sends: what it sent so far. */
  private static final class Sub {
    final RunData data;
    long version = -1;
    int[] cursor = {0, 0, 0};
    int rowsSinceSnapshot;
    boolean snapshotDue = true;

    Sub(RunData data) {
      this.data = data;
    }
  }

  /** Serves one stream until the client goes away or the server closes. */
  void serve(HttpExchange ex, Map<String, List<String>> q) throws IOException {
    if (streams.incrementAndGet() > maxStreams) {
      streams.decrementAndGet();
      Http.text(ex, 503, "too many dashboard pages are open (" + maxStreams + ")\n");
      return;
    }
    List<Sub> subs = new ArrayList<>();
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, 0);
      OutputStream os = ex.getResponseBody();
      String filter = Http.first(q, "q");
      int limit = Http.limit(q, listLimit);
      int buckets = Http.buckets(q);
      long gapNanos = Http.intParam(q, "every", 0, 0, MAX_EVERY_MILLIS) * 1_000_000L;
      os.write("retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII));
      Http.event(os, "info", Http.render(info));
      List<String> ids = q.getOrDefault("run", List.of());
      for (String id : ids.subList(0, Math.min(ids.size(), MAX_RUNS))) {
        Path dir = watch.runDir(id);
        if (dir == null) {
          Http.event(
              os,
              "missing",
              Http.render(
                  g -> {
                    g.writeStartObject();
                    g.writeStringField("id", id);
                    g.writeStringField("error", watch.noRunFolder(id));
                    g.writeEndObject();
                  }));
          continue;
        }
        subs.add(new Sub(watch.acquire(id, dir)));
      }
      Catalog sent = null;
      while (!watch.closing()) {
        long gen = watch.generation();
        Catalog c = watch.catalog();
        if (c != sent) {
          Http.event(os, "runs", Http.render(g -> c.write(g, filter, limit)));
          sent = c;
        }
        boolean sentRows = false;
        for (Sub s : subs) {
          long v = s.data.version();
          if (v == s.version && !s.snapshotDue) {
            continue;
          }
          boolean snap = s.snapshotDue || s.rowsSinceSnapshot > RESNAPSHOT_ROWS;
          int[] from = snap ? new int[] {0, 0, 0} : s.cursor;
          int[][] next = new int[1][];
          byte[] body =
              Http.render(
                  g -> {
                    g.writeStartObject();
                    next[0] =
                        s.data.write(g, System.nanoTime(), from[0], from[1], from[2], buckets);
                    g.writeEndObject();
                  });
          Http.event(os, snap ? "snapshot" : "append", body);
          s.rowsSinceSnapshot =
              snap ? 0 : s.rowsSinceSnapshot + (next[0][0] - from[0]) + (next[0][1] - from[1]);
          s.cursor = next[0];
          s.version = v;
          s.snapshotDue = false;
          sentRows = true;
        }
        os.flush();
        if (sentRows && gapNanos > 0) {
          // rows appended meanwhile go out together in the next event (one per run)
          Thread.sleep(gapNanos / 1_000_000L);
        }
        if (!watch.await(gen, KEEPALIVE_MILLIS)) {
          os.write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
          os.flush();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (Sub s : subs) {
        watch.release(s.data);
      }
      streams.decrementAndGet();
    }
  }
}

package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.governor.report.Json;
import dev.governor.telemetry.Inspection;
import dev.governor.telemetry.RunFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The dashboard's server: the JDK's {@link HttpServer} serving one page (uPlot charts), a JSON
 * listing of the run folders under a root, each run's {@code inspect} table, and one Server-Sent
 * Events stream per page that pushes the listing as it changes and, for the runs the page selected,
 * a downsampled snapshot ({@link Downsample}) followed by the rows appended since.
 *
 * <p>Read-only: run folders are only listed and their queues opened with {@link
 * RunFolder#readTelemetry()} / {@link RunFolder#readDecisions()}; nothing is written under the
 * root. One thread tails every watched run every {@value #TAIL_MILLIS} ms, another rescans the root
 * every {@value #SCAN_MILLIS} ms. A damaged queue, a deleted folder, a run without decisions or a
 * root with very many folders become messages on the page; the server keeps serving.
 *
 * <p>Values: NaN and ±Inf measurements (a missing validation loss, clipping off) are sent in the
 * encoding of every JSON Governor writes ({@link Json}): the strings {@code "NaN"}, {@code
 * "Infinity"} and {@code "-Infinity"}; the page draws them as gaps. Nothing is dropped or altered
 * otherwise.
 *
 * <p>Binds to the loopback address unless {@link Config#host()} says otherwise; when bound to
 * loopback, requests whose {@code Host} header names another host are refused (403), so a web page
 * elsewhere cannot read runs through DNS rebinding. There is no authentication: bind to another
 * address only on a network you trust (the page says so then).
 */
public final class DashboardServer implements AutoCloseable {
  /** Tail period of watched runs. */
  static final int TAIL_MILLIS = 25;

  /** Rescan period of the root. */
  static final int SCAN_MILLIS = 2000;

  /** Keep-alive comment period of an idle stream. */
  static final int KEEPALIVE_MILLIS = 15_000;

  /** A stream re-sends a snapshot of a run after this many rows appended since its last one. */
  static final int RESNAPSHOT_ROWS = 20_000;

  /**
   * Upper bound of a stream's {@code every} parameter: the least time in ms between two events
   * carrying rows (snapshots and appends). The page asks for its frame interval, so rows appended
   * meanwhile arrive in one event per frame instead of one per tail tick; 0, the default, sends
   * every tail tick's rows at once.
   */
  static final int MAX_EVERY_MILLIS = 2000;

  /** A run no page watches is closed after this long. */
  static final long EVICT_NANOS = 60_000_000_000L;

  /**
   * The server's settings; immutable and validated.
   *
   * @param runs the folder whose run folders are listed (need not exist yet)
   * @param host the address to bind ({@code 127.0.0.1} by default; a name is resolved)
   * @param port the port, in [0, 65535]; 0 picks a free one
   * @param listLimit runs listed at most, {@code >= 1}
   * @param maxStreams concurrent event streams at most (pages), {@code >= 1}
   * @param inspectTable formats a run's {@link Inspection.Summary} as rows {field, value}
   */
  public record Config(
      Path runs,
      String host,
      int port,
      int listLimit,
      int maxStreams,
      Function<Inspection.Summary, List<List<String>>> inspectTable) {

    /** The loopback address the server binds by default. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The default port. */
    public static final int DEFAULT_PORT = 8080;

    public Config {
      Objects.requireNonNull(runs, "runs must not be null");
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must not be empty, but was '" + host + "'");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535], but was " + port);
      }
      if (listLimit < 1) {
        throw new IllegalArgumentException("listLimit must be >= 1, but was " + listLimit);
      }
      if (maxStreams < 1) {
        throw new IllegalArgumentException("maxStreams must be >= 1, but was " + maxStreams);
      }
      Objects.requireNonNull(inspectTable, "inspectTable must not be null");
      runs = runs.toAbsolutePath().normalize();
    }

    /** Defaults: loopback, port 8080, 300 runs listed, 64 streams, a plain inspect table. */
    public static Config of(Path runs) {
      return new Config(runs, DEFAULT_HOST, DEFAULT_PORT, 300, 64, DashboardServer::plainTable);
    }

    public Config withHost(String h) {
      return new Config(runs, h, port, listLimit, maxStreams, inspectTable);
    }

    public Config withPort(int p) {
      return new Config(runs, host, p, listLimit, maxStreams, inspectTable);
    }

    public Config withListLimit(int n) {
      return new Config(runs, host, port, n, maxStreams, inspectTable);
    }

    public Config withInspectTable(Function<Inspection.Summary, List<List<String>>> f) {
      return new Config(runs, host, port, listLimit, maxStreams, f);
    }
  }

  /** The generators of {@link Json#MAPPER}, so doubles are written in its one encoding. */
  private static final JsonFactory JSON = Json.MAPPER.getFactory();

  private final Config config;
  private final HttpServer http;
  private final ExecutorService handlers;
  private final ScheduledExecutorService tailer;
  private final ScheduledExecutorService scanner;
  private final boolean loopback;
  private final Map<String, RunData> watched = new ConcurrentHashMap<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final Object signal = new Object();
  private final Map<String, Object[]> inspectCache = new ConcurrentHashMap<>();
  private long generation;
  private volatile Catalog catalog;
  private volatile boolean closing;
  private long ticks;

  private DashboardServer(Config config) throws IOException {
    this.config = config;
    InetAddress addr;
    try {
      addr = InetAddress.getByName(config.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "host must be an address or a resolvable name, but was '" + config.host() + "'", e);
    }
    this.loopback = addr.isLoopbackAddress();
    try {
      http = HttpServer.create(new InetSocketAddress(addr, config.port()), 64);
    } catch (BindException e) {
      throw new IllegalArgumentException(
          "cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + " ("
              + e.getMessage()
              + "); choose another port (0 = any free one)",
          e);
    }
    handlers = Executors.newCachedThreadPool(daemon("dashboard-http"));
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
    catalog = Catalog.scan(config.runs());
    tailer = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-tail"));
    scanner = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-scan"));
    tailer.scheduleWithFixedDelay(this::tailTick, TAIL_MILLIS, TAIL_MILLIS, TimeUnit.MILLISECONDS);
    scanner.scheduleWithFixedDelay(this::scanTick, SCAN_MILLIS, SCAN_MILLIS, TimeUnit.MILLISECONDS);
    http.start();
  }

  /**
   * Starts a server.
   *
   * @throws IllegalArgumentException naming the host or port when it cannot be resolved or bound
   * @throws IOException when the server cannot be created otherwise
   */
  public static DashboardServer start(Config config) throws IOException {
    return new DashboardServer(config);
  }

  /** The address the server listens on (with the port actually bound). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** The page's warning when the server listens on {@code host:port}, which is not loopback. */
  static String exposureWarning(String host, int port) {
    return "This dashboard listens on "
        + host
        + ":"
        + port
        + " (not loopback): anyone who can reach this machine can read these runs; it has"
        + " no authentication.";
  }

  /** Whether the server listens on a loopback address only. */
  public boolean loopback() {
    return loopback;
  }

  /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
  public String url() {
    InetSocketAddress a = address();
    String h = a.getAddress().getHostAddress();
    if (a.getAddress().isAnyLocalAddress()) {
      h = config.host();
    }
    if (h.contains(":")) {
      h = "[" + h + "]";
    }
    return "http://" + h + ":" + a.getPort() + "/";
  }

  /** The settings. */
  public Config config() {
    return config;
  }

  @Override
  public void close() {
    closing = true;
    synchronized (signal) {
      generation++;
      signal.notifyAll();
    }
    http.stop(0);
    tailer.shutdownNow();
    scanner.shutdownNow();
    handlers.shutdownNow();
    try {
      tailer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (RunData d : watched.values()) {
      d.close();
    }
    watched.clear();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---- background work --------------------------------------------------------------------

  private void tailTick() {
    try {
      long now = System.nanoTime();
      boolean check = ticks++ % (1000 / TAIL_MILLIS) == 0;
      boolean changed = false;
      for (RunData d : watched.values()) {
        changed |= d.poll(200_000, check, now);
        synchronized (this) {
          if (d.subscribers == 0 && now - d.releasedAtNanos > EVICT_NANOS) {
            watched.remove(d.id, d);
            d.close();
          }
        }
      }
      if (changed) {
        signal();
      }
    } catch (RuntimeException e) {
      // a run's failure is recorded in its RunData; anything else must not stop the tailing
    }
  }

  private void scanTick() {
    try {
      Catalog c = Catalog.scan(config.runs());
      if (c.differs(catalog)) {
        catalog = c;
        signal();
      }
    } catch (RuntimeException e) {
      // Catalog.scan reports listing problems in the catalog; keep scanning
    }
  }

  private void signal() {
    synchronized (signal) {
      generation++;
      signal.notifyAll();
    }
  }

  private long generation() {
    synchronized (signal) {
      return generation;
    }
  }

  private boolean await(long gen, long millis) throws InterruptedException {
    synchronized (signal) {
      if (generation == gen && !closing) {
        signal.wait(millis);
      }
      return generation != gen;
    }
  }

  /** The run folder of an id, or null when the id does not name one under the root. */
  private Path runDir(String id) {
    if (id == null || id.isEmpty() || id.contains("\\") || id.startsWith("/")) {
      return null;
    }
    for (String part : id.split("/")) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    Path dir = config.runs().resolve(id).normalize();
    if (!dir.startsWith(config.runs()) || !Files.isRegularFile(dir.resolve("run.json"))) {
      return null;
    }
    return dir;
  }

  private RunData acquire(String id, Path dir) {
    RunData d;
    boolean fresh = false;
    synchronized (this) {
      d = watched.get(id);
      if (d == null) {
        d = new RunData(id, dir);
        watched.put(id, d);
        fresh = true;
      }
      d.subscribers++;
    }
    if (fresh) {
      d.catchUp(System.nanoTime());
    }
    return d;
  }

  private synchronized void release(RunData d) {
    d.subscribers--;
    d.releasedAtNanos = System.nanoTime();
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private static final Map<String, String> STATIC = new LinkedHashMap<>();

  static {
    STATIC.put("/", "index.html");
    STATIC.put("/index.html", "index.html");
    STATIC.put("/app.js", "app.js");
    STATIC.put("/app.css", "app.css");
    STATIC.put("/uPlot.iife.min.js", "uPlot.iife.min.js");
    STATIC.put("/uPlot.min.css", "uPlot.min.css");
    STATIC.put("/uPlot.LICENSE", "uPlot.LICENSE");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        text(ex, 405, "only GET and HEAD are served\n");
        return;
      }
      if (loopback && !loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
        text(ex, 403, "this dashboard answers to localhost names only\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      Map<String, List<String>> q = query(ex.getRequestURI().getRawQuery());
      switch (path) {
        case "/api/info" -> json(ex, this::writeInfo);
        case "/api/runs" -> json(ex, g -> catalog.write(g, first(q, "q"), limit(q)));
        case "/api/run" -> json(ex, g -> writeRun(g, first(q, "id"), buckets(q)));
        case "/api/inspect" -> json(ex, g -> writeInspect(g, first(q, "id")));
        case "/api/stream" -> {
          if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, -1);
          } else {
            stream(ex, q);
          }
        }
        default -> {
          String res = STATIC.get(path);
          if (res == null) {
            text(ex, 404, "not found: " + path + "\n");
          } else {
            resource(ex, res);
          }
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static boolean loopbackHost(String host) {
    if (host == null) {
      return true; // HTTP/1.0 clients send none
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end < 0 ? h : h.substring(1, end);
    } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
      h = h.substring(0, h.indexOf(':'));
    }
    return h.equals("localhost")
        || h.endsWith(".localhost")
        || h.equals("::1")
        || h.startsWith("127.");
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    if (raw == null) {
      return m;
    }
    for (String kv : raw.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return m;
  }

  private static String first(Map<String, List<String>> q, String k) {
    List<String> v = q.get(k);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static int intParam(Map<String, List<String>> q, String k, int def, int lo, int hi) {
    String v = first(q, k);
    if (v == null) {
      return def;
    }
    try {
      return Math.max(lo, Math.min(hi, Integer.parseInt(v.trim())));
    } catch (NumberFormatException e) {
      return def;
    }
  }

  private static int buckets(Map<String, List<String>> q) {
    return intParam(q, "points", 600, 10, 10_000);
  }

  private int limit(Map<String, List<String>> q) {
    return intParam(q, "limit", config.listLimit(), 1, config.listLimit());
  }

  private interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] render(JsonWriter w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      w.write(g);
    }
    return bytes.toByteArray();
  }

  private static void json(HttpExchange ex, JsonWriter w) throws IOException {
    byte[] body = render(w);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, 200, body);
  }

  private static void text(HttpExchange ex, int code, String s) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    send(ex, code, s.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(code, -1);
      return;
    }
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  private void resource(HttpExchange ex, String name) throws IOException {
    byte[] body;
    try (InputStream in = DashboardServer.class.getResourceAsStream("web/" + name)) {
      if (in == null) {
        text(ex, 404, "not found: " + name + "\n");
        return;
      }
      body = in.readAllBytes();
    }
    String type =
        name.endsWith(".html")
            ? "text/html; charset=utf-8"
            : name.endsWith(".js")
                ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/plain; charset=utf-8";
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    send(ex, 200, body);
  }

  private void writeInfo(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("root", config.runs().toString());
    InetSocketAddress a = address();
    String h = a.getAddress().isAnyLocalAddress() ? config.host() : a.getAddress().getHostAddress();
    g.writeStringField("address", h + ":" + a.getPort());
    g.writeBooleanField("loopback", loopback);
    if (!loopback) {
      g.writeStringField("warning", exposureWarning(config.host(), a.getPort()));
    }
    g.writeEndObject();
  }

  private void writeRun(JsonGenerator g, String id, int buckets) throws IOException {
    g.writeStartObject();
    Path dir = runDir(id);
    if (dir == null) {
      g.writeStringField("id", id);
      g.writeStringField("error", "no run folder '" + id + "' under " + config.runs());
      g.writeEndObject();
      return;
    }
    RunData d = acquire(id, dir);
    try {
      long now = System.nanoTime();
      d.writeHeader(g, now);
      d.writeSeries(g, 0, 0, 0, buckets);
    } finally {
      release(d);
    }
    g.writeEndObject();
  }

  private void writeInspect(JsonGenerator g, String id) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    Path dir = runDir(id);
    if (dir == null) {
      g.writeStringField("error", "no run folder '" + id + "' under " + config.runs());
      g.writeEndObject();
      return;
    }
    Object[] cached = inspectCache.get(id);
    long now = System.nanoTime();
    List<List<String>> rows;
    String error;
    if (cached != null && now - (long) cached[0] < 5_000_000_000L) {
      @SuppressWarnings("unchecked")
      List<List<String>> r = (List<List<String>>) cached[1];
      rows = r;
      error = (String) cached[2];
    } else {
      try {
        rows = config.inspectTable().apply(Inspection.inspect(RunFolder.open(dir)));
        error = null;
      } catch (RuntimeException e) {
        rows = List.of();
        error = "cannot inspect the run: " + e.getMessage();
      }
      inspectCache.put(id, new Object[] {now, rows, error});
    }
    if (error != null) {
      g.writeStringField("error", error);
    }
    g.writeArrayFieldStart("rows");
    for (List<String> r : rows) {
      g.writeStartArray();
      for (String s : r) {
        g.writeString(s);
      }
      g.writeEndArray();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** A plain {field, value} table of a summary (the CLI passes the {@code inspect} table). */
  static List<List<String>> plainTable(Inspection.Summary s) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("field", "value"));
    rows.add(List.of("run", s.run()));
    rows.add(List.of("policy", s.policy()));
    rows.add(List.of("steps", Long.toString(s.steps())));
    rows.add(List.of("decisions", Long.toString(s.decisions())));
    rows.add(List.of("guard actions", s.guardActions().toString()));
    rows.add(List.of("events", s.events().toString()));
    return rows;
  }

  // ---- the event stream ----------------------------------------------------------------------

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

  private void stream(HttpExchange ex, Map<String, List<String>> q) throws IOException {
    if (streams.incrementAndGet() > config.maxStreams()) {
      streams.decrementAndGet();
      text(ex, 503, "too many dashboard pages are open (" + config.maxStreams() + ")\n");
      return;
    }
    List<Sub> subs = new ArrayList<>();
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, 0);
      OutputStream os = ex.getResponseBody();
      String filter = first(q, "q");
      int limit = limit(q);
      int buckets = buckets(q);
      long gapNanos = intParam(q, "every", 0, 0, MAX_EVERY_MILLIS) * 1_000_000L;
      os.write("retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII));
      event(os, "info", render(this::writeInfo));
      List<String> ids = q.getOrDefault("run", List.of());
      for (String id : ids.subList(0, Math.min(ids.size(), 32))) {
        Path dir = runDir(id);
        if (dir == null) {
          event(
              os,
              "missing",
              render(
                  g -> {
                    g.writeStartObject();
                    g.writeStringField("id", id);
                    g.writeStringField(
                        "error", "no run folder '" + id + "' under " + config.runs());
                    g.writeEndObject();
                  }));
          continue;
        }
        subs.add(new Sub(acquire(id, dir)));
      }
      Catalog sent = null;
      while (!closing) {
        long gen = generation();
        Catalog c = catalog;
        if (c != sent) {
          event(os, "runs", render(g -> c.write(g, filter, limit)));
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
              render(
                  g -> {
                    g.writeStartObject();
                    s.data.writeHeader(g, System.nanoTime());
                    next[0] = s.data.writeSeries(g, from[0], from[1], from[2], buckets);
                    g.writeEndObject();
                  });
          event(os, snap ? "snapshot" : "append", body);
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
        if (!await(gen, KEEPALIVE_MILLIS)) {
          os.write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
          os.flush();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (Sub s : subs) {
        release(s.data);
      }
      streams.decrementAndGet();
    }
  }

  private static void event(OutputStream os, String name, byte[] data) throws IOException {
    os.write(("event: " + name + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
    os.write(data);
    os.write("\n\n".getBytes(StandardCharsets.US_ASCII));
  }
}

package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.governor.report.Json;
import dev.governor.telemetry.Inspection;
import dev.governor.telemetry.RunFolder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The dashboard's server: the JDK's {@link HttpServer} serving one page (uPlot charts), a JSON
 * listing of the run folders under a root, each run's {@code inspect} table, and one Server-Sent
 * Events stream per page that pushes the listing as it changes and, for the runs the page selected,
 * a downsampled snapshot ({@link Downsample}) followed by the rows appended since.
 *
 * <p>Read-only: run folders are only listed and their queues opened with {@link
 * RunFolder#readTelemetry()} / {@link RunFolder#readDecisions()}; nothing is written under the
 * root. One thread tails every watched run every {@value RunWatch#TAIL_MILLIS} ms, another rescans
 * the root every {@value RunWatch#SCAN_MILLIS} ms ({@link RunWatch}); each page's event stream is
 * an {@link EventStream}. A damaged queue, a deleted folder, a run without decisions or a root with
 * very many folders become messages on the page; the server keeps serving.
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

  private final Config config;
  private final HttpServer http;
  private final ExecutorService handlers;
  private final boolean loopback;
  private final RunWatch watch;
  private final EventStream streams;
  private final Map<String, Object[]> inspectCache = new ConcurrentHashMap<>();

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
    handlers = Executors.newCachedThreadPool(RunWatch.daemon("dashboard-http"));
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
    watch = new RunWatch(config.runs());
    streams = new EventStream(watch, config.maxStreams(), config.listLimit(), this::writeInfo);
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
    watch.stopping();
    http.stop(0);
    handlers.shutdownNow();
    watch.close();
  }

  // ---- HTTP routes ---------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        Http.text(ex, 405, "only GET and HEAD are served\n");
        return;
      }
      if (loopback && !Http.loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
        Http.text(ex, 403, "this dashboard answers to localhost names only\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      Map<String, List<String>> q = Http.query(ex.getRequestURI().getRawQuery());
      switch (path) {
        case "/api/info" -> Http.json(ex, this::writeInfo);
        case "/api/runs" ->
            Http.json(
                ex,
                g ->
                    watch
                        .catalog()
                        .write(g, Http.first(q, "q"), Http.limit(q, config.listLimit())));
        case "/api/run" -> Http.json(ex, g -> writeRun(g, Http.first(q, "id"), Http.buckets(q)));
        case "/api/inspect" -> Http.json(ex, g -> writeInspect(g, Http.first(q, "id")));
        case "/api/stream" -> {
          if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, -1);
          } else {
            streams.serve(ex, q);
          }
        }
        default -> Http.staticFile(ex, path);
      }
    } catch (IOException e) {
      // the client went away
    }
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
    Path dir = watch.runDir(id);
    if (dir == null) {
      g.writeStringField("id", id);
      g.writeStringField("error", watch.noRunFolder(id));
      g.writeEndObject();
      return;
    }
    RunData d = watch.acquire(id, dir);
    try {
      d.write(g, System.nanoTime(), 0, 0, 0, buckets);
    } finally {
      watch.release(d);
    }
    g.writeEndObject();
  }

  private void writeInspect(JsonGenerator g, String id) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    Path dir = watch.runDir(id);
    if (dir == null) {
      g.writeStringField("error", watch.noRunFolder(id));
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
}

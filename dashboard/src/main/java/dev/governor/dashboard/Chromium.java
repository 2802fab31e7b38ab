package dev.governor.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, {@code
 * java.net.http.WebSocket}): navigate, evaluate JavaScript, take a screenshot. For the dashboard's
 * browser tests and benchmarks; one page, one caller at a time. {@link #find()} locates the browser
 * ({@code GOVERNOR_CHROMIUM}, else {@code chromium}, {@code chromium-browser}, {@code
 * google-chrome} on the {@code PATH}).
 */
public final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = Json.MAPPER;
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final WebSocket ws;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  /** The browser executable, if one is installed. */
  public static Optional<Path> find() {
    String env = System.getenv("GOVERNOR_CHROMIUM");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path p = Path.of(d, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the browser headless with a fresh profile and a window of {@code width × height} CSS
   * pixels, and connects to its first page.
   *
   * @throws IOException when it does not start or announce its DevTools endpoint within 30 s
   */
  public static Chromium launch(Path executable, int width, int height)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("governor-chromium");
    List<String> cmd = new ArrayList<>();
    cmd.add(executable.toString());
    cmd.add("--headless=new");
    cmd.add("--disable-gpu");
    cmd.add("--no-first-run");
    cmd.add("--no-default-browser-check");
    cmd.add("--disable-extensions");
    cmd.add("--disable-background-networking");
    cmd.add("--disable-dev-shm-usage");
    cmd.add("--no-sandbox"); // CI containers run as root, where Chromium's sandbox cannot start
    cmd.add("--remote-debugging-port=0");
    cmd.add("--remote-allow-origins=*");
    cmd.add("--user-data-dir=" + profile);
    cmd.add("--window-size=" + width + "," + height);
    cmd.add("about:blank");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<String> endpoint = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                StringBuilder head = new StringBuilder();
                while ((line = r.readLine()) != null) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    endpoint.complete(m.group(1));
                  } else if (head.length() < 4000) {
                    head.append(line).append('\n');
                  }
                }
                endpoint.completeExceptionally(
                    new IOException("chromium exited before listening:\n" + head));
              } catch (IOException e) {
                endpoint.completeExceptionally(e);
              }
            },
            "chromium-output");
    reader.setDaemon(true);
    reader.start();
    try {
      String browserWs = endpoint.get(30, TimeUnit.SECONDS);
      URI base = URI.create(browserWs.replaceFirst("^ws://", "http://"));
      HttpClient http = HttpClient.newHttpClient();
      String list =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://" + base.getHost() + ":" + base.getPort() + "/json/list"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      String pageWs = null;
      for (JsonNode t : JSON.readTree(list)) {
        if ("page".equals(t.path("type").asText())) {
          pageWs = t.path("webSocketDebuggerUrl").asText();
          break;
        }
      }
      if (pageWs == null) {
        throw new IOException("chromium has no page target: " + list);
      }
      return new Chromium(p, profile, http, pageWs);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      deleteTree(profile);
      throw new IOException("chromium did not start: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  private Chromium(Process process, Path profile, HttpClient http, String pageWs)
      throws IOException, InterruptedException {
    this.process = process;
    this.profile = profile;
    StringBuilder buf = new StringBuilder();
    try {
      this.ws =
          http.newWebSocketBuilder()
              .buildAsync(
                  URI.create(pageWs),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      buf.append(data);
                      if (last) {
                        dispatch(buf.toString());
                        buf.setLength(0);
                      }
                      w.request(1);
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("cannot connect to chromium's page " + pageWs + ": " + e, e);
    }
  }

  private void dispatch(String text) {
    try {
      JsonNode m = JSON.readTree(text);
      if (m.has("id")) {
        CompletableFuture<JsonNode> f = pending.remove(m.get("id").asLong());
        if (f != null) {
          f.complete(m);
        }
      }
    } catch (IOException e) {
      // not a protocol message; ignore
    }
  }

  /**
   * Calls a DevTools method and returns its {@code result}.
   *
   * @throws IOException naming the method when the browser reports an error or does not answer
   *     within 30 s
   */
  public JsonNode call(String method, ObjectNode params) throws IOException, InterruptedException {
    long id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", params == null ? JSON.createObjectNode() : params);
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ws.sendText(JSON.writeValueAsString(msg), true).join();
    JsonNode r;
    try {
      r = f.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      pending.remove(id);
      throw new IOException(method + ": no answer from chromium (" + e + ")", e);
    }
    if (r.has("error")) {
      throw new IOException(method + " failed: " + r.get("error"));
    }
    return r.get("result");
  }

  /** Opens {@code url} in the page (returns once navigation has started). */
  public void navigate(String url) throws IOException, InterruptedException {
    ObjectNode p = JSON.createObjectNode();
    p.put("url", url);
    call("Page.navigate", p);
  }

  /**
   * Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON
   * ({@code null} for undefined).
   *
   * @throws IOException with the exception's text when the expression throws
   */
  public JsonNode evaluate(String expression) throws IOException, InterruptedException {
    ObjectNode p = JSON.createObjectNode();
    p.put("expression", expression);
    p.put("returnByValue", true);
    p.put("awaitPromise", true);
    JsonNode r = call("Runtime.evaluate", p);
    if (r.has("exceptionDetails")) {
      throw new IOException("evaluate(" + expression + ") threw: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** Saves a PNG screenshot of the page's viewport (the window size given to {@link #launch}). */
  public void screenshot(Path png) throws IOException, InterruptedException {
    ObjectNode p = JSON.createObjectNode();
    p.put("format", "png");
    p.put("captureBeyondViewport", false);
    JsonNode r = call("Page.captureScreenshot", p);
    if (png.getParent() != null) {
      Files.createDirectories(png.getParent());
    }
    Files.write(png, Base64.getDecoder().decode(r.get("data").asText()));
  }

  /**
   * Polls {@code expression} every 20 ms until it is {@code true}, at most {@code timeout}; returns
   * whether. An expression that throws (e.g. while the page is still loading) counts as false.
   */
  public boolean waitFor(String expression, Duration timeout)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try {
        JsonNode v = evaluate(expression);
        if (v.isBoolean() && v.asBoolean()) {
          return true;
        }
      } catch (IOException e) {
        if (!String.valueOf(e.getMessage()).startsWith("evaluate(")) {
          throw e;
        }
      }
      Thread.sleep(20);
    }
    return false;
  }

  /**
   * CPU time the browser has used so far (its process and every descendant: renderer, GPU, utility
   * processes), in milliseconds, from {@code /proc/<pid>/stat}; NaN where there is no {@code /proc}
   * (not Linux). Processes that already exited are not counted.
   */
  public double cpuMillis() {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process.toHandle());
    process.toHandle().descendants().forEach(all::add);
    double ticks = 0;
    for (ProcessHandle h : all) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
        // fields after the parenthesised command name: state is field 3, utime 14, stime 15
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        if (!Files.isDirectory(Path.of("/proc", "self"))) {
          return Double.NaN;
        }
      }
    }
    return ticks * 1000.0 / CLOCK_TICKS;
  }

  /** USER_HZ of /proc/<pid>/stat: 100 on every Linux architecture Governor runs on. */
  private static final double CLOCK_TICKS = 100;

  @Override
  public void close() {
    try {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser is stopped below either way
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteTree(profile);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // a temporary profile left behind is harmless
    }
  }
}

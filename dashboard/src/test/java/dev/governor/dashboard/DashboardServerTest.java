package dev.governor.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.report.Json;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import dev.governor.testkit.RunBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeAfter);
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  // ---- a run written by the test: every value is a closed form of the step ----------------

  static double loss(long t) {
    return 2.0 / (1 + 0.05 * t);
  }

  /** Validation loss every 10th step, NaN otherwise (sent as "NaN"; the page draws a gap). */
  static double valLoss(long t) {
    return t % 10 == 0 ? loss(t) + 0.25 : Double.NaN;
  }

  static double lr(long t) {
    return 0.1 * Math.pow(0.99, t);
  }

  static Observation obs(long t) {
    return Observation.builder(t)
        .loss(loss(t))
        .valLoss(valLoss(t))
        .gradNorm(1.5 + 0.01 * t)
        .paramNorm(10)
        .updateNorm(lr(t) * 0.5)
        .batchSize(32)
        .lr(lr(t))
        .clip(t < 3 ? Double.POSITIVE_INFINITY : 2.0)
        .weightDecay(1e-4)
        .build();
  }

  static Decision dec(long t) {
    Decision d = new Decision();
    d.step = t;
    d.lr = lr(t + 1);
    d.clip = 2.0;
    d.weightDecay = 1e-4;
    d.lrMeasurement = -0.5 + 0.001 * t;
    d.lrError = 0.125;
    return d;
  }

  private RunFolder writeRun(Path dir, long steps, boolean decisions) {
    RunFolder f = RunBuilder.at(dir).policy("pi").seed(1).create();
    append(f, 0, steps, decisions);
    return f;
  }

  private static void append(RunFolder f, long from, long to, boolean decisions) {
    try (TelemetryLog tl = f.openTelemetry();
        TelemetryLog.Appender a = tl.appender()) {
      for (long t = from; t < to; t++) {
        a.append(obs(t));
      }
    }
    if (decisions) {
      try (DecisionLog dl = f.openDecisions();
          DecisionLog.Appender a = dl.appender()) {
        for (long t = from; t < to; t++) {
          a.append(dec(t));
        }
      }
    }
  }

  private DashboardServer start(DashboardServer.Config c) throws IOException {
    DashboardServer s = DashboardServer.start(c.withPort(0));
    closeAfter.add(s);
    return s;
  }

  private JsonNode get(DashboardServer s, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** A Server-Sent Events reader: events as {name, data} in the order received. */
  private final class Sse implements AutoCloseable {
    final BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile Stream<String> lines;

    Sse(DashboardServer s, String query) {
      reader =
          new Thread(
              () -> {
                try {
                  HttpResponse<Stream<String>> r =
                      http.send(
                          HttpRequest.newBuilder(URI.create(s.url() + "api/stream?" + query))
                              .build(),
                          HttpResponse.BodyHandlers.ofLines());
                  lines = r.body();
                  String[] cur = {null, null};
                  lines.forEach(
                      line -> {
                        if (line.startsWith("event: ")) {
                          cur[0] = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                          cur[1] = line.substring(6);
                        } else if (line.isEmpty() && cur[0] != null) {
                          events.add(new String[] {cur[0], cur[1]});
                          cur[0] = null;
                          cur[1] = null;
                        }
                      });
                } catch (IOException | InterruptedException | RuntimeException e) {
                  // closed
                }
              },
              "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next event named {@code name} (others are skipped), within 10 s. */
    JsonNode next(String name) throws Exception {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < end) {
        String[] e = events.poll(100, TimeUnit.MILLISECONDS);
        if (e != null && e[0].equals(name)) {
          return JSON.readTree(e[1]);
        }
      }
      throw new AssertionError("no '" + name + "' event within 10 s");
    }

    @Override
    public void close() {
      if (lines != null) {
        lines.close();
      }
      reader.interrupt();
    }
  }

  private Sse sse(DashboardServer s, String query) {
    Sse e = new Sse(s, query);
    closeAfter.add(e);
    return e;
  }

  private static double[] column(JsonNode table, int c) {
    JsonNode a = table.get("cols").get(c);
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode x = a.get(i);
      // a number, or one of the three strings of the one encoding; never null
      assertTrue(
          x.isNumber() || Set.of("NaN", "Infinity", "-Infinity").contains(x.asText()),
          "column " + c + " row " + i + " is " + x);
      v[i] = Json.toDouble(x);
    }
    return v;
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  void streamSendsTheListingASnapshotAndThenExactlyTheAppendedRows() throws Exception {
    Path runs = tmp.resolve("runs");
    RunFolder f = writeRun(runs.resolve("a"), 100, true);
    DashboardServer s = start(DashboardServer.Config.of(runs));
    Sse e = sse(s, "run=a&points=600");

    JsonNode info = e.next("info");
    assertTrue(info.get("loopback").asBoolean());
    JsonNode list = e.next("runs");
    assertEquals("a", list.get("runs").get(0).get("id").asText());
    assertEquals(1, list.get("total").asInt());

    JsonNode snap = e.next("snapshot");
    assertEquals("a", snap.get("id").asText());
    assertEquals(99, snap.get("lastStep").asLong());
    assertEquals(List.of(), JSON.convertValue(snap.get("messages"), List.class));
    JsonNode tele = snap.get("tele");
    assertEquals(100, tele.get("rows").asInt()); // 100 rows <= 2 * 600: none dropped
    double[] step = column(tele, 0);
    double[] loss = column(tele, 1);
    double[] val = column(tele, 2);
    double[] lrs = column(tele, 3);
    double[] clip = column(tele, 4);
    double[] ratio = column(tele, 7);
    for (int t = 0; t < 100; t++) {
      assertEquals(t, step[t], 0.0);
      assertEquals(loss(t), loss[t], 0.0);
      assertEquals(valLoss(t), val[t], 0.0); // NaN -> "NaN" -> NaN
      assertEquals(lr(t), lrs[t], 0.0);
      // +Inf (clipping off) -> "Infinity" -> +Inf: not confused with a missing value
      assertEquals(t < 3 ? Double.POSITIVE_INFINITY : 2.0, clip[t], 0.0);
      assertEquals(lr(t) * 0.5 / 10, ratio[t], 1e-17);
    }
    JsonNode dec = snap.get("dec");
    assertEquals(100, dec.get("rows").asInt());
    assertEquals(lr(1), column(dec, 1)[0], 0.0);
    assertEquals(-0.5 + 0.001 * 42, column(dec, 4)[42], 0.0); // lr loop process variable
    assertEquals(-0.5 + 0.001 * 42 + 0.125, column(dec, 5)[42], 1e-15); // setpoint = pv + error

    // the run goes on: 5 steps, 5 decisions and a SKIP event appear as one or more appends
    append(f, 100, 105, true);
    try (TelemetryLog tl = f.openTelemetry();
        TelemetryLog.Appender a = tl.appender()) {
      a.appendEvent(EventKind.SKIP, 104, 103);
    }
    List<Double> steps = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<String> events = new ArrayList<>();
    int decRows = 0;
    while (steps.size() < 5 || events.isEmpty() || decRows < 5) {
      JsonNode m = e.next("append");
      JsonNode t = m.get("tele");
      assertEquals(100 + steps.size(), t.get("from").asInt());
      for (double v : column(t, 0)) {
        steps.add(v);
      }
      for (double v : column(t, 1)) {
        losses.add(v);
      }
      decRows += m.get("dec").get("rows").asInt();
      m.get("events").forEach(x -> events.add(x.toString()));
    }
    assertEquals(List.of(100.0, 101.0, 102.0, 103.0, 104.0), steps);
    assertEquals(List.of(loss(100), loss(101), loss(102), loss(103), loss(104)), losses);
    assertEquals(5, decRows);
    assertEquals(List.of("[\"SKIP\",104,103]"), events);
  }

  @Test
  void everyGathersTheRowsAppendedMeanwhileIntoOneEvent() throws Exception {
    Path runs = tmp.resolve("runs");
    RunFolder f = writeRun(runs.resolve("a"), 100, false);
    DashboardServer s = start(DashboardServer.Config.of(runs));
    Sse plain = sse(s, "run=a");
    Sse gathered = sse(s, "run=a&every=1500");
    assertEquals(99, plain.next("snapshot").get("lastStep").asLong());
    assertEquals(99, gathered.next("snapshot").get("lastStep").asLong());
    // 10 steps, one every 60 ms (more than the 25 ms tail period): ~0.6-0.9 s, within the 1.5 s
    for (long t = 100; t < 110; t++) {
      append(f, t, t + 1, false);
      Thread.sleep(60);
    }
    int[] count = new int[2];
    Sse[] both = {plain, gathered};
    for (int k = 0; k < 2; k++) {
      List<Double> steps = new ArrayList<>();
      while (steps.size() < 10) {
        JsonNode t = both[k].next("append").get("tele");
        assertEquals(100 + steps.size(), t.get("from").asInt());
        for (double v : column(t, 0)) {
          steps.add(v);
        }
        count[k]++;
      }
      assertEquals(
          List.of(100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0), steps);
    }
    // without every: about one event per step; with every=1500: the 10 rows in one or two events
    assertTrue(count[0] >= 5, "events without every: " + count[0]);
    assertTrue(count[1] <= 2, "events with every=1500: " + count[1]);
  }

  @Test
  void aLongRunIsSentDownsampledWithEveryBucketsExtremes() throws Exception {
    Path runs = tmp.resolve("runs");
    writeRun(runs.resolve("long"), 20_000, false);
    DashboardServer s = start(DashboardServer.Config.of(runs));
    JsonNode run = get(s, "api/run?id=long&points=50");
    JsonNode tele = run.get("tele");
    int rows = tele.get("rows").asInt();
    assertTrue(rows <= 2 + 2 * RunSeries.TELE.size() * 50, "rows " + rows);
    assertEquals(20_000, tele.get("to").asInt());
    double[] step = column(tele, 0);
    double[] loss = column(tele, 1);
    assertEquals(0, step[0], 0.0);
    assertEquals(19_999, step[step.length - 1], 0.0);
    // loss falls monotonically, so each bucket [400k, 400k+400) keeps its first and last step
    for (int k = 0; k < 50; k++) {
      List<Double> in = new ArrayList<>();
      for (int i = 0; i < step.length; i++) {
        if (step[i] >= 400 * k && step[i] < 400 * (k + 1)) {
          in.add(loss[i]);
        }
      }
      assertTrue(in.contains(loss(400 * k)), "bucket " + k + " keeps its maximum");
      assertTrue(in.contains(loss(400 * k + 399)), "bucket " + k + " keeps its minimum");
    }
  }

  /**
   * Every file under the root: path -> size, modification time and CRC-32C of the content (the
   * cycle files are 80 MiB sparse files; CRC-32C reads them fast and changes with any byte).
   */
  private static Map<String, String> fingerprint(Path root) throws Exception {
    Map<String, String> m = new TreeMap<>();
    byte[] buf = new byte[1 << 20];
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String key = root.relativize(p).toString();
        if (Files.isDirectory(p)) {
          m.put(key + "/", "dir " + Files.getLastModifiedTime(p).toMillis());
        } else {
          CRC32C crc = new CRC32C();
          try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
              crc.update(buf, 0, n);
            }
          }
          m.put(
              key,
              Files.size(p)
                  + " "
                  + Files.getLastModifiedTime(p).toMillis()
                  + " "
                  + Long.toHexString(crc.getValue()));
        }
      }
    }
    return m;
  }

  @Test
  void watchingARunChangesNoFileUnderTheRoot() throws Exception {
    Path runs = tmp.resolve("runs");
    writeRun(runs.resolve("a"), 300, true);
    writeRun(runs.resolve("b"), 50, false);
    Map<String, String> before = fingerprint(runs);
    assertTrue(before.size() > 8, "the runs hold queue files: " + before.keySet());
    DashboardServer s = start(DashboardServer.Config.of(runs));
    Sse e = sse(s, "run=a&run=b");
    e.next("snapshot");
    e.next("snapshot");
    get(s, "api/run?id=a");
    get(s, "api/inspect?id=a");
    get(s, "api/inspect?id=b");
    get(s, "api/runs");
    Thread.sleep(1200); // several tail ticks and a folder check
    e.close();
    s.close();
    assertEquals(before, fingerprint(runs));
  }

  @Test
  void bindsToLoopbackByDefaultAndRefusesForeignHostNames() throws Exception {
    Path runs = tmp.resolve("runs");
    Files.createDirectories(runs);
    DashboardServer.Config c = DashboardServer.Config.of(runs);
    assertEquals("127.0.0.1", c.host());
    assertEquals(8080, c.port());
    DashboardServer s = start(c);
    assertTrue(s.address().getAddress().isLoopbackAddress(), s.address().toString());
    assertTrue(s.loopback());
    assertFalse(get(s, "api/info").has("warning"));
    int port = s.address().getPort();

    // a page from elsewhere reaching us through a rebound DNS name is refused
    try (Socket sock = new Socket(InetAddress.getLoopbackAddress(), port)) {
      sock.getOutputStream()
          .write(
              ("GET /api/runs HTTP/1.1\r\nHost: evil.example:"
                      + port
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String head = new String(sock.getInputStream().readNBytes(12));
      assertEquals("HTTP/1.1 403", head);
    }

    // not reachable on this machine's other addresses
    InetAddress other = null;
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          other = a;
        }
      }
    }
    if (other != null) {
      InetAddress target = other;
      assertThrows(
          ConnectException.class,
          () -> {
            try (Socket sock = new Socket()) {
              sock.connect(new InetSocketAddress(target, port), 2000);
            }
          },
          "connecting to " + other + ":" + port);
    } else {
      System.out.println("no non-loopback IPv4 address here: the refusal check is skipped");
    }
  }

  @Test
  void anotherAddressOnlyWhenAskedAndThenThePageWarns() throws Exception {
    // tests bind loopback only: the non-loopback case is checked without binding it
    Path runs = tmp.resolve("runs");
    Files.createDirectories(runs);
    DashboardServer.Config c = DashboardServer.Config.of(runs);
    assertEquals("127.0.0.1", c.host(), "loopback unless asked");
    assertEquals("0.0.0.0", c.withHost("0.0.0.0").host());
    assertFalse(InetAddress.getByName("0.0.0.0").isLoopbackAddress());
    String w = DashboardServer.exposureWarning("0.0.0.0", 8080);
    assertTrue(w.startsWith("This dashboard listens on 0.0.0.0:8080 (not loopback)"), w);
    assertTrue(w.contains("no authentication"), w);
    // a loopback server says nothing of the kind
    DashboardServer s = start(c.withPort(0));
    assertTrue(s.loopback());
    assertFalse(get(s, "api/info").has("warning"));
  }

  @Test
  void configErrorsNameTheKeyAndValue() {
    Path runs = tmp.resolve("runs");
    DashboardServer.Config c = DashboardServer.Config.of(runs);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.withPort(70000));
    assertEquals("port must be in [0, 65535], but was 70000", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> c.withHost(" "));
    assertEquals("host must not be empty, but was ' '", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> c.withListLimit(0));
    assertEquals("listLimit must be >= 1, but was 0", e.getMessage());
  }

  /** Flips one byte of the record holding loss(k) in the telemetry queue's cycle file. */
  private static void damage(RunFolder f, long k) throws IOException {
    Path cq4;
    try (Stream<Path> s = Files.list(f.telemetryDir())) {
      cq4 = s.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(cq4);
    byte[] needle =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(loss(k)).array();
    int at = -1;
    for (int i = 0; i + 8 <= b.length && at < 0; i++) {
      if (java.util.Arrays.equals(b, i, i + 8, needle, 0, 8)) {
        at = i;
      }
    }
    assertTrue(at >= 0, "found the record of step " + k);
    b[at + 3] ^= 0x5A;
    Files.write(cq4, b);
  }

  @Test
  void aQueueStillBeingCreatedIsOpenedAgainAndOnlyAPersistentOneIsDamaged() throws Exception {
    // a cycle file whose header is not written yet (zeros), as a writer leaves it for a moment
    RunFolder creating = writeRun(tmp.resolve("creating"), 30, true);
    RunFolder broken = writeRun(tmp.resolve("broken"), 30, true);
    Path cq4;
    try (Stream<Path> st = Files.list(creating.telemetryDir())) {
      cq4 = st.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
    }
    byte[] good = Files.readAllBytes(cq4);
    Files.write(cq4, new byte[good.length]);
    try (Stream<Path> st = Files.list(broken.telemetryDir())) {
      Path b = st.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
      Files.write(b, new byte[(int) Files.size(b)]);
    }
    try (RunData c = new RunData("creating", creating.dir());
        RunData d = new RunData("broken", broken.dir())) {
      long now = 0;
      for (int k = 1; k < RunData.OPEN_ATTEMPTS; k++) {
        c.poll(1000, true, now);
        d.poll(1000, true, now);
        assertNotEquals("damaged", c.status(now), "check " + k);
        assertNotEquals("damaged", d.status(now), "check " + k);
      }
      // the writer finishes the file: the next check opens it and reads every record
      Files.write(cq4, good);
      c.poll(1000, true, now);
      assertNotEquals("damaged", c.status(now), c.messages().toString());
      assertEquals(30, c.lastStep() + 1);
      // still zeros at the last allowed check: damaged, with the reason
      d.poll(1000, true, now);
      assertEquals("damaged", d.status(now));
      assertTrue(d.messages().get(0).contains("damaged"), d.messages().toString());
    }
  }

  @Test
  void damagedQueuesDeletedFoldersAndMissingDecisionsBecomeMessages() throws Exception {
    Path runs = tmp.resolve("runs");
    RunFolder bad = writeRun(runs.resolve("bad"), 200, true);
    damage(bad, 150);
    writeRun(runs.resolve("nodec"), 20, false);
    writeRun(runs.resolve("gone"), 20, true);
    DashboardServer s = start(DashboardServer.Config.of(runs));

    JsonNode r = get(s, "api/run?id=bad");
    assertEquals("damaged", r.get("status").asText());
    assertEquals(150, r.get("steps").asInt()); // the 150 good records before the damage stay
    assertTrue(
        r.get("messages").get(0).asText().startsWith("The telemetry queue is damaged"),
        r.get("messages").toString());

    r = get(s, "api/run?id=nodec");
    assertEquals(
        "This run has no decisions (telemetry only): no decided values or loop internals.",
        r.get("messages").get(0).asText());
    assertEquals(20, r.get("steps").asInt());

    Sse e = sse(s, "run=gone");
    assertEquals(20, e.next("snapshot").get("steps").asInt());
    deleteTree(runs.resolve("gone"));
    JsonNode m = e.next("append");
    assertEquals("deleted", m.get("status").asText());
    assertTrue(m.get("messages").get(0).asText().contains("was deleted"), m.toString());

    r = get(s, "api/run?id=gone");
    assertEquals("no run folder 'gone' under " + runs.toAbsolutePath(), r.get("error").asText());
    r = get(s, "api/run?id=../" + tmp.relativize(runs.resolve("bad")));
    assertTrue(r.get("error").asText().startsWith("no run folder '../"), r.toString());
    // the server still serves, and the listing drops the deleted run at its next scan
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3 * RunWatch.SCAN_MILLIS / 1000);
    while (get(s, "api/runs").get("runs").size() != 2 && System.nanoTime() < end) {
      Thread.sleep(100);
    }
    assertEquals(2, get(s, "api/runs").get("runs").size());
    assertNotNull(get(s, "api/inspect?id=bad").get("error"));
  }

  @Test
  void thousandsOfRunFoldersAreListedNewestFirstUpToTheLimitWithAMessage() throws Exception {
    Path runs = tmp.resolve("runs");
    RunFolder one = writeRun(runs.resolve("first"), 5, false);
    String header = Files.readString(one.runJson());
    for (int i = 0; i < 1500; i++) {
      Path d = runs.resolve("sweep").resolve(String.format("r%04d", i));
      Files.createDirectories(d);
      Files.writeString(d.resolve("run.json"), header);
      Files.setLastModifiedTime(
          d.resolve("run.json"), java.nio.file.attribute.FileTime.fromMillis(1_000_000L * i));
    }
    DashboardServer s = start(DashboardServer.Config.of(runs).withListLimit(300));
    JsonNode l = get(s, "api/runs");
    assertEquals(1501, l.get("total").asInt());
    assertEquals(300, l.get("runs").size());
    assertEquals("first", l.get("runs").get(0).get("id").asText()); // written now: newest
    assertEquals("sweep/r1499", l.get("runs").get(1).get("id").asText());
    assertEquals(
        "Showing the newest 300 of 1501 runs; type in the filter to narrow the list.",
        l.get("messages").get(0).asText());
    JsonNode f = get(s, "api/runs?q=r002");
    assertEquals(10, f.get("matched").asInt()); // r0020 .. r0029
    assertEquals(0, f.get("messages").size());

    // a folder that does not exist yet is a message, not an error
    DashboardServer empty = start(DashboardServer.Config.of(tmp.resolve("later")));
    assertEquals(
        "The folder "
            + tmp.resolve("later").toAbsolutePath()
            + " does not exist (yet); runs"
            + " appear once it does.",
        get(empty, "api/runs").get("messages").get(0).asText());
  }

  @Test
  void runsAppearAsTheyAreCreated() throws Exception {
    Path runs = tmp.resolve("runs");
    Files.createDirectories(runs);
    DashboardServer s = start(DashboardServer.Config.of(runs));
    Sse e = sse(s, "");
    assertEquals(0, e.next("runs").get("total").asInt());
    writeRun(runs.resolve("new"), 3, true);
    JsonNode l = e.next("runs");
    assertEquals("new", l.get("runs").get(0).get("id").asText());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void pagesAndTheVendoredChartLibraryAreServed() throws Exception {
    Path runs = tmp.resolve("runs");
    Files.createDirectories(runs);
    DashboardServer s = start(DashboardServer.Config.of(runs));
    for (String p : List.of("", "app.js", "app.css", "uPlot.iife.min.js", "uPlot.LICENSE")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(s.url() + p))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), p);
    }
    HttpResponse<String> lic =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url() + "uPlot.LICENSE")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(lic.body().startsWith("The MIT License (MIT)"));
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url() + "api/runs"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }
}

package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.governor.report.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP plumbing of the dashboard: query parameters, the {@code Host} check, and the replies
 * (JSON rendered with {@link Json#MAPPER}'s generators, plain text, the page's static files, one
 * Server-Sent Event).
 */
final class Http {
  private Http() {}

  /** The generators of {@link Json#MAPPER}, so doubles are written in its one encoding. */
  private static final JsonFactory JSON = Json.MAPPER.getFactory();

  /** The page's files, by request path. */
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

  /** Writes one JSON value. */
  interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /** Whether a {@code Host} header names this machine's loopback (or is absent). */
  static boolean loopbackHost(String host) {
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

  /** The decoded parameters of a raw query string, each with its values in order. */
  static Map<String, List<String>> query(String raw) {
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

  /** The first value of parameter {@code k}, or null. */
  static String first(Map<String, List<String>> q, String k) {
    List<String> v = q.get(k);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Parameter {@code k} as an int clamped to [lo, hi]; {@code def} when absent or not a number. */
  static int intParam(Map<String, List<String>> q, String k, int def, int lo, int hi) {
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

  /** The {@code points} parameter: buckets of a downsampled series, 600 by default. */
  static int buckets(Map<String, List<String>> q) {
    return intParam(q, "points", 600, 10, 10_000);
  }

  /** The {@code limit} parameter: runs listed, at most (and by default) {@code listLimit}. */
  static int limit(Map<String, List<String>> q, int listLimit) {
    return intParam(q, "limit", listLimit, 1, listLimit);
  }

  /** The UTF-8 bytes of what {@code w} writes. */
  static byte[] render(JsonWriter w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      w.write(g);
    }
    return bytes.toByteArray();
  }

  static void json(HttpExchange ex, JsonWriter w) throws IOException {
    byte[] body = render(w);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, 200, body);
  }

  static void text(HttpExchange ex, int code, String s) throws IOException {
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

  /** Serves the page's file for request path {@code path}, or 404. */
  static void staticFile(HttpExchange ex, String path) throws IOException {
    String name = STATIC.get(path);
    if (name == null) {
      text(ex, 404, "not found: " + path + "\n");
      return;
    }
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

  /** Writes one Server-Sent Event. */
  static void event(OutputStream os, String name, byte[] data) throws IOException {
    os.write(("event: " + name + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
    os.write(data);
    os.write("\n\n".getBytes(StandardCharsets.US_ASCII));
  }
}

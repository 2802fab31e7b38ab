package dev.governor.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** JSON helpers: non-finite numbers are written as {@code null} (JSON has no NaN/Infinity). */
public final class Json {
  private Json() {}

  /** The shared mapper (thread-safe once configured). */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A new object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Puts {@code v}, or null when it is NaN or infinite. */
  public static ObjectNode put(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.putNull(key);
    }
    return n;
  }

  /** An array of numbers (non-finite as null). */
  public static ArrayNode array(double... values) {
    ArrayNode a = MAPPER.createArrayNode();
    for (double v : values) {
      if (Double.isFinite(v)) {
        a.add(v);
      } else {
        a.addNull();
      }
    }
    return a;
  }

  /** Writes {@code node} to {@code file} atomically (temp file, then move). */
  public static void write(Path file, Object node) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    MAPPER.writeValue(tmp.toFile(), node);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

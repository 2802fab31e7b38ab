package dev.governor.report;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The one JSON mapper of Governor and its one encoding of non-finite numbers.
 *
 * <p><b>Non-finite numbers.</b> JSON has no NaN or infinity. Every file Governor writes encodes
 * them as the JSON strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"} (Jackson's
 * {@link JsonWriteFeature#WRITE_NAN_AS_STRINGS}, so any double that reaches {@link #MAPPER} — a
 * node, a map value, a record component — is written the same way). The encoding is lossless (an
 * infinite clip threshold, meaning "no clipping", stays distinct from a missing value), it is
 * standard JSON that {@code jq} and every parser accept, and readers turn it back into numbers
 * without special code: Python's {@code float(v)} and pandas' {@code astype(float)} parse all three
 * strings, and Jackson's {@link JsonNode#asDouble()} too ({@link #toDouble} also checks the value).
 * JSON {@code null} means "no value" (for example no decision at that step), never a number.
 *
 * <p>The mapper also reads the bare tokens {@code NaN}, {@code Infinity}, {@code -Infinity} that
 * Python's {@code json.dumps} writes, so files from such tools read back too.
 *
 * <p>{@link #MAPPER} is configured once here; callers must not reconfigure it (derive an {@link
 * com.fasterxml.jackson.databind.ObjectReader} or {@link ObjectWriter} instead).
 */
public final class Json {
  private Json() {}

  /** The mapper: compact output, non-finite numbers as strings (see the class comment). */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** {@link #MAPPER}'s writer with indentation, for files people read. */
  public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

  /** A new object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** A new empty array node. */
  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** Puts {@code v} under {@code key}; NaN and infinities are written as described above. */
  public static ObjectNode put(ObjectNode n, String key, double v) {
    n.put(key, v);
    return n;
  }

  /** An array of numbers (NaN and infinities written as described above). */
  public static ArrayNode array(double... values) {
    ArrayNode a = MAPPER.createArrayNode();
    for (double v : values) {
      a.add(v);
    }
    return a;
  }

  /**
   * The number a node holds in this encoding: a JSON number, or one of the strings {@code "NaN"},
   * {@code "Infinity"}, {@code "-Infinity"}; {@code null} or a missing node (no value) read as NaN.
   *
   * @throws IllegalArgumentException for any other node, naming it
   */
  public static double toDouble(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return Double.NaN;
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isTextual()) {
      switch (n.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw new IllegalArgumentException(
        "a number or \"NaN\", \"Infinity\", \"-Infinity\" was expected, but was " + n);
  }

  /** {@code value} as one line of JSON (no line break), e.g. for a JSON-lines file. */
  public static String line(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code value} as indented JSON followed by a line break. */
  public static String pretty(Object value) {
    try {
      return PRETTY.writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code value} as indented JSON to {@code file} with {@link AtomicFile}. */
  public static void write(Path file, Object value) throws IOException {
    AtomicFile.write(file, pretty(value).getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a JSON file as a tree. */
  public static JsonNode read(Path file) throws IOException {
    return MAPPER.readTree(file.toFile());
  }
}

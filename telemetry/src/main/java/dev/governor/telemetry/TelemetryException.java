package dev.governor.telemetry;

/**
 * A run folder, queue or record that cannot be read or written: missing, damaged, foreign, or of a
 * newer schema. The message is one line that names the file (or folder) and what is wrong with it,
 * fit to show a user as is.
 */
public class TelemetryException extends RuntimeException {

  /** An error with a one-line message naming the file. */
  public TelemetryException(String message) {
    super(message);
  }

  /** An error with a one-line message naming the file, keeping the cause for {@code --verbose}. */
  public TelemetryException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.governor.telemetry;

/**
 * A queue append that found no space left on the file system. It is raised before the record is
 * written (space is reserved ahead of the writer), so every record appended before it is complete
 * and readable, and the queue can be appended to again once there is space. The appender that
 * raised it refuses further appends.
 */
public final class DiskFullException extends TelemetryException {

  /** An error with a one-line message naming the file. */
  public DiskFullException(String message) {
    super(message);
  }

  /** An error with a one-line message naming the file, keeping the cause for {@code --verbose}. */
  public DiskFullException(String message, Throwable cause) {
    super(message, cause);
  }
}

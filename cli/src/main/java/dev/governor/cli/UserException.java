package dev.governor.cli;

/**
 * An error caused by the user's input (a missing file, a damaged queue, a missing dataset): the CLI
 * prints its message as one line and exits with {@link #exitCode()} (2 unless said otherwise).
 */
public final class UserException extends RuntimeException {
  private final int exitCode;

  public UserException(String message) {
    this(message, Main.EXIT_USAGE);
  }

  public UserException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = Main.EXIT_USAGE;
  }

  public int exitCode() {
    return exitCode;
  }

  /**
   * Checks a whole-number flag's lower bound.
   *
   * @throws UserException naming the flag, the bound and the value when {@code value < min}
   */
  static void requireAtLeast(String flag, long value, long min) {
    if (value < min) {
      throw new UserException(flag + " must be >= " + min + ", but was " + value);
    }
  }
}

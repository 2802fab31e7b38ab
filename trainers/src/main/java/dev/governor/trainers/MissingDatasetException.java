package dev.governor.trainers;

/**
 * A data set's files are not where they were looked for. An {@link IllegalArgumentException}, so
 * the command line reports its message as one line and exits 2; the message says how to install it.
 */
public final class MissingDatasetException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  MissingDatasetException(String message) {
    super(message);
  }
}

package dev.governor.telemetry;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.Wire;
import net.openhft.posix.PosixAPI;

/**
 * Keeps disk space allocated ahead of a queue appender, so that a full file system is met by a
 * refused reservation before a record is written instead of by a fault while it is copied into the
 * memory-mapped file (a fault the JVM reports late, after the record's header was completed over
 * bytes that never reached the disk).
 *
 * <p>Ahead of the write position of the appender's current cycle file, {@code fallocate(2)} with
 * {@code FALLOC_FL_KEEP_SIZE} allocates {@value #CHUNK} bytes at a time: it allocates the blocks of
 * that range without changing the file's size or any byte in it, so it never touches what readers
 * read. Where the file system cannot preallocate, the free space of its store is checked instead,
 * at the same points, against the same amount (a weaker guarantee: another process can take the
 * space between the check and the write).
 */
final class SpaceReserve implements AutoCloseable {
  /** Bytes reserved beyond what the next record needs. */
  static final long CHUNK = 256 << 10;

  private static final int FALLOC_FL_KEEP_SIZE = 1;
  private static final int O_RDWR = 2;
  private static final int ENOSPC = 28;
  private static final int EDQUOT = 122;

  private final String what;

  /** Room for metadata Chronicle may write ahead of the next record (an index array). */
  private final long slack;

  private File file;
  private int fd = -1;
  private boolean fallocate = true;
  private long reservedTo;

  SpaceReserve(String what, int indexCount) {
    this.what = what;
    this.slack = 8L * indexCount + 4096;
  }

  /**
   * Makes sure the next {@code bytes} bytes the appender writes (plus room for Chronicle's
   * metadata) have disk space.
   *
   * @throws DiskFullException naming the file when the file system has no space for them
   */
  void ensure(ExcerptAppender a, long bytes) {
    Wire w = a.wire();
    if (w == null) {
      return; // no cycle file yet: Chronicle creates it with the first record
    }
    long pos = w.bytes().writePosition();
    File f = a.currentFile();
    if (f == null) {
      return;
    }
    if (!f.equals(file)) {
      switchTo(f);
    }
    long need = pos + bytes + slack;
    if (need <= reservedTo) {
      return;
    }
    long from = Math.max(reservedTo, pos);
    long to = need + CHUNK;
    if (fallocate) {
      int rc = PosixAPI.posix().fallocate(fd, FALLOC_FL_KEEP_SIZE, from, to - from);
      if (rc == 0) {
        reservedTo = to;
        return;
      }
      int errno = PosixAPI.posix().lastError();
      if (errno == ENOSPC || errno == EDQUOT) {
        throw full(f, to - from, "no space left on device");
      }
      fallocate = false; // not supported here: fall back to the free-space check
    }
    long usable;
    try {
      usable = Files.getFileStore(f.toPath()).getUsableSpace();
    } catch (IOException e) {
      return; // cannot tell; the write itself reports a failure
    }
    if (usable < to - pos) {
      throw full(f, to - pos, usable + " bytes free");
    }
    reservedTo = to;
  }

  private DiskFullException full(File f, long bytes, String why) {
    return new DiskFullException(
        "disk full: cannot reserve "
            + bytes
            + " bytes for the "
            + what
            + " queue file "
            + f
            + " ("
            + why
            + "); every record before it is complete: free space, then resume the run");
  }

  private void switchTo(File f) {
    closeFd();
    file = f;
    reservedTo = 0;
    if (fallocate) {
      try {
        fd = PosixAPI.posix().open(f.getPath(), O_RDWR, 0);
      } catch (RuntimeException | LinkageError e) {
        fd = -1;
      }
      if (fd < 0) {
        fallocate = false;
      }
    }
  }

  private void closeFd() {
    if (fd >= 0) {
      PosixAPI.posix().close(fd);
      fd = -1;
    }
  }

  @Override
  public void close() {
    closeFd();
  }
}

package dev.governor.telemetry;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a full read of one queue found: record counts by kind, the step range, whether the steps
 * increase, the size on disk, and a torn tail if there is one.
 *
 * <p>A torn tail is a record whose header was written but never completed — the writer was killed
 * mid-record (or is still writing it). It is never returned by a tailer; the scan reports it so a
 * user learns that the run ended abruptly. Every complete record before it reads back. The walker
 * that finds it is {@code TornTail}.
 *
 * @param path the queue directory
 * @param observations number of observation records
 * @param decisions number of decision records
 * @param events number of event records
 * @param firstStep step of the first record, or -1 when the queue is empty
 * @param lastStep step of the last record, or -1 when the queue is empty
 * @param stepsIncreasing whether each observation's (or decision's) step exceeds the previous one
 * @param files number of cycle files
 * @param bytesOnDisk total length of the cycle files; they are sparse and preallocated in chunks,
 *     so a short run shows tens of MiB while using far less disk
 * @param tornTail description of the torn tail (file and offset), or empty
 */
public record LogScan(
    Path path,
    long observations,
    long decisions,
    long events,
    long firstStep,
    long lastStep,
    boolean stepsIncreasing,
    int files,
    long bytesOnDisk,
    Optional<String> tornTail) {

  /** Total number of complete records. */
  public long records() {
    return observations + decisions + events;
  }
}

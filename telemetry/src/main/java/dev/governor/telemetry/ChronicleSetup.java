package dev.governor.telemetry;

/**
 * Settles Chronicle's process-wide switches before its classes load: no usage analytics (nothing
 * may reach the network at run time) and no start-up banner. A user's own {@code -D} wins.
 */
final class ChronicleSetup {
  private ChronicleSetup() {}

  static void init() {
    setIfAbsent("chronicle.analytics.disable", "true");
    setIfAbsent("chronicle.announcer.disable", "true");
    setIfAbsent("chronicle.disk.monitor.disable", "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}

package io.redisgrpc.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the benchmark ran on, read from the machine itself. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe(String redisVersion, String redisBenchmarkVersion) {
    Map<String, String> out = new LinkedHashMap<>();
    String nproc = RedisBenchmarkRunner.firstLine(List.of("nproc"));
    out.put(
        "CPU",
        cpuModel()
            + "; nproc = "
            + nproc
            + " (JVM sees "
            + Runtime.getRuntime().availableProcessors()
            + ")");
    out.put("Memory", memTotal());
    out.put(
        "OS",
        osName()
            + ", kernel "
            + System.getProperty("os.version")
            + " ("
            + System.getProperty("os.arch")
            + ")");
    out.put(
        "JDK",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
    out.put("JVM flags", flags.isEmpty() ? "(none)" : "`" + String.join(" ", flags) + "`");
    out.put("Redis", "redis-server " + redisVersion + "; " + redisBenchmarkVersion);
    return out;
  }

  static int nproc() {
    try {
      return Integer.parseInt(RedisBenchmarkRunner.firstLine(List.of("nproc")));
    } catch (RuntimeException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** The 1, 5 and 15 minute load averages. */
  static String loadAverage() {
    List<String> lines = readLines("/proc/loadavg");
    if (lines.isEmpty()) {
      return "?";
    }
    String[] f = lines.get(0).split(" ");
    return f.length >= 3 ? f[0] + " / " + f[1] + " / " + f[2] : "?";
  }

  static long clockTicksPerSecond() {
    try {
      return Long.parseLong(RedisBenchmarkRunner.firstLine(List.of("getconf", "CLK_TCK")));
    } catch (RuntimeException e) {
      return 100;
    }
  }

  private static String cpuModel() {
    for (String line : readLines("/proc/cpuinfo")) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown CPU";
  }

  private static String memTotal() {
    for (String line : readLines("/proc/meminfo")) {
      if (line.startsWith("MemTotal:")) {
        long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
        return String.format("%.1f GiB (MemTotal)", kib / 1024.0 / 1024.0);
      }
    }
    return "unknown";
  }

  private static String osName() {
    for (String line : readLines("/etc/os-release")) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
      }
    }
    return System.getProperty("os.name");
  }

  private static List<String> readLines(String file) {
    try {
      return Files.readAllLines(Path.of(file));
    } catch (IOException e) {
      return List.of();
    }
  }
}

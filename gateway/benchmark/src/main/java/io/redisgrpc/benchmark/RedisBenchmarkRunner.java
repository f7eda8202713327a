package io.redisgrpc.benchmark;

import io.redisgrpc.testkit.RedisBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the stock {@code redis-benchmark} against the same redis-server: {@code -c} connections, one
 * command in flight on each (no -P), random keys from the same keyspace ({@code -r}).
 * redis-benchmark has no duration option, so a short calibration run sizes {@code -n}.
 */
final class RedisBenchmarkRunner {
  private final int port;
  private final int keyCount;

  RedisBenchmarkRunner(int port, int keyCount) {
    this.port = port;
    this.keyCount = keyCount;
  }

  /** One parsed CSV line of redis-benchmark 7 (older versions print only rps). */
  record Result(
      double rps,
      double p50Ms,
      double p99Ms,
      long requests,
      List<String> command,
      CpuProbe.Usage cpu) {}

  /** Runs for about {@code seconds}; CPU use is measured over the sized run only. */
  Result run(Op op, int size, int connections, double seconds, CpuProbe probe) {
    Result calibration = execute(op, size, connections, Math.max(2_000, connections * 20L), null);
    long requests = Math.max(connections * 10L, Math.round(calibration.rps() * seconds));
    return execute(op, size, connections, requests, probe);
  }

  static String version() {
    return firstLine(List.of(RedisBinaries.benchmark(), "--version"));
  }

  private Result execute(Op op, int size, int connections, long requests, CpuProbe probe) {
    List<String> command =
        List.of(
            RedisBinaries.benchmark(),
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(port),
            "-t",
            op.name().toLowerCase(),
            "-d",
            Integer.toString(size),
            "-c",
            Integer.toString(connections),
            "-n",
            Long.toString(requests),
            "-r",
            Integer.toString(keyCount),
            "--csv",
            "-q");
    CpuProbe.Snapshot before = probe == null ? null : probe.snapshot();
    List<String> lines = lines(command);
    CpuProbe.Usage cpu = probe == null ? null : probe.between(before, probe.snapshot());
    String header = null;
    for (String line : lines) {
      if (line.startsWith("\"test\"")) {
        header = line;
      } else if (line.startsWith("\"" + op.name() + "\"")) {
        List<String> names = header == null ? List.of("test", "rps") : unquote(header);
        List<String> values = unquote(line);
        return new Result(
            value(names, values, "rps"),
            value(names, values, "p50_latency_ms"),
            value(names, values, "p99_latency_ms"),
            requests,
            command,
            cpu);
      }
    }
    throw new IllegalStateException(
        "no "
            + op
            + " result from "
            + String.join(" ", command)
            + ":\n"
            + String.join("\n", lines));
  }

  private static double value(List<String> names, List<String> values, String name) {
    int index = names.indexOf(name);
    return index < 0 || index >= values.size() ? Double.NaN : Double.parseDouble(values.get(index));
  }

  private static List<String> unquote(String csvLine) {
    List<String> out = new ArrayList<>();
    for (String cell : csvLine.split(",")) {
      out.add(cell.replace("\"", "").trim());
    }
    return out;
  }

  static String firstLine(List<String> command) {
    List<String> lines = lines(command);
    return lines.isEmpty() ? "?" : lines.get(0).trim();
  }

  static List<String> lines(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish");
      }
      List<String> lines = new ArrayList<>();
      for (String line : out.split("\\R")) {
        // --csv still prints progress with carriage returns; keep the last segment.
        String last = line.substring(line.lastIndexOf('\r') + 1);
        if (!last.isBlank()) {
          lines.add(last);
        }
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

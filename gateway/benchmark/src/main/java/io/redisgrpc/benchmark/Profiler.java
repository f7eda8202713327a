package io.redisgrpc.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JDK Flight Recorder CPU profile of one scenario (execution samples every 2 ms of threads
 * running Java code; time inside syscalls is not sampled, see the thread CPU figures for that).
 */
final class Profiler {
  private Profiler() {}

  interface Work {
    void run() throws Exception;
  }

  record Profile(
      long samples,
      Map<String, Long> byThreadGroup,
      Map<String, Long> byLibrary,
      Map<String, Long> hotMethods) {
    String percent(long count) {
      return samples == 0 ? "0%" : Math.round(100.0 * count / samples) + "%";
    }

    String top(Map<String, Long> counts, int limit) {
      return counts.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(limit)
          .map(e -> e.getKey() + " " + percent(e.getValue()))
          .collect(Collectors.joining(", "));
    }
  }

  static Profile profile(Work work) throws Exception {
    Path file = Files.createTempFile("gateway-benchmark", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(2)).withStackTrace();
      recording.start();
      work.run();
      recording.stop();
      recording.dump(file);
      return analyse(RecordingFile.readAllEvents(file));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Profile analyse(List<RecordedEvent> events) {
    Map<String, Long> byThread = new HashMap<>();
    Map<String, Long> byLibrary = new HashMap<>();
    Map<String, Long> hot = new HashMap<>();
    long samples = 0;
    for (RecordedEvent event : events) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      String thread =
          event.getThread("sampledThread") == null
              ? "?"
              : event.getThread("sampledThread").getJavaName();
      byThread.merge(CpuProbe.group(thread == null ? "?" : thread), 1L, Long::sum);
      RecordedFrame leaf = stack.getFrames().get(0);
      hot.merge(
          simpleName(leaf.getMethod().getType().getName()) + "." + leaf.getMethod().getName(),
          1L,
          Long::sum);
      String library = "JDK";
      for (RecordedFrame frame : stack.getFrames()) {
        String type = frame.getMethod().getType().getName();
        if (!isJdk(type)) {
          library = library(type);
          break;
        }
      }
      byLibrary.merge(library, 1L, Long::sum);
    }
    return new Profile(samples, sorted(byThread), sorted(byLibrary), sorted(hot));
  }

  private static Map<String, Long> sorted(Map<String, Long> counts) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static boolean isJdk(String type) {
    return type.startsWith("java.")
        || type.startsWith("jdk.")
        || type.startsWith("sun.")
        || type.startsWith("javax.");
  }

  /** The library a class belongs to (JDK frames are charged to the library that called them). */
  static String library(String type) {
    if (type.startsWith("io.grpc.netty.shaded.io.netty.")) {
      return "Netty (gRPC)";
    }
    if (type.startsWith("io.grpc.netty.shaded.io.grpc.netty.")) {
      return "gRPC Netty transport";
    }
    if (type.startsWith("io.grpc.")) {
      return "gRPC core";
    }
    if (type.startsWith("com.google.protobuf.") || type.startsWith("io.redisgrpc.api.")) {
      return "protobuf";
    }
    if (type.startsWith("io.netty.")) {
      return "Netty (Lettuce)";
    }
    if (type.startsWith("io.lettuce.")) {
      return "Lettuce";
    }
    if (type.startsWith("io.micrometer.")) {
      return "Micrometer (gateway metrics)";
    }
    if (type.startsWith("io.redisgrpc.gateway.")) {
      return "gateway code";
    }
    if (type.startsWith("io.redisgrpc.benchmark.") || type.startsWith("org.HdrHistogram.")) {
      return "load generator";
    }
    if (type.startsWith("io.perfmark.")) {
      return "gRPC core";
    }
    String[] parts = type.split("\\.");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : type;
  }

  private static String simpleName(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? type : type.substring(dot + 1);
  }
}

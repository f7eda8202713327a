package io.redisgrpc.benchmark;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the CPU goes during a measurement window: redis-server and redis-benchmark (from /proc),
 * and this JVM split by thread name into the load generator, the gateway's gRPC server, the Lettuce
 * I/O threads, other Java threads and JVM-internal work (GC, JIT: process CPU minus all Java
 * threads).
 */
final class CpuProbe {
  static final String REDIS = "redis-server";
  static final String REDIS_BENCHMARK = "redis-benchmark";
  static final String LOADGEN_GRPC = "load-gen gRPC client";
  static final String GATEWAY_GRPC = "gateway gRPC server";
  static final String LETTUCE = "Lettuce I/O";
  static final String OTHER_THREADS = "other Java threads";
  static final String JVM_INTERNAL = "JVM GC/JIT";
  static final String[] GROUPS = {
    REDIS, REDIS_BENCHMARK, LOADGEN_GRPC, GATEWAY_GRPC, LETTUCE, OTHER_THREADS, JVM_INTERNAL
  };

  /** Name prefix of the load generator's own gRPC client event loop. */
  static final String LOADGEN_GRPC_THREAD_PREFIX = "bench-grpc-client";

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final OperatingSystemMXBean os =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final long redisPid;
  private final long nanosPerTick;

  CpuProbe(long redisPid, long clockTicksPerSecond) {
    this.redisPid = redisPid;
    this.nanosPerTick = 1_000_000_000L / clockTicksPerSecond;
    if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
      threads.setThreadCpuTimeEnabled(true);
    }
  }

  static String group(String threadName) {
    if (threadName.startsWith(LOADGEN_GRPC_THREAD_PREFIX)) {
      return LOADGEN_GRPC;
    }
    if (threadName.startsWith("grpc-")) {
      return GATEWAY_GRPC;
    }
    if (threadName.startsWith("lettuce-")) {
      return LETTUCE;
    }
    return OTHER_THREADS;
  }

  record Snapshot(
      long wallNanos,
      Map<Long, String> names,
      Map<Long, Long> threadCpu,
      long processCpu,
      long processUserTicks,
      long processSysTicks,
      long childTicks,
      long redisTicks,
      long systemBusyTicks) {}

  /** CPU use between two snapshots, in nanoseconds of CPU per group. */
  /**
   * @param otherProcessesCores CPU used meanwhile by processes that are not part of the benchmark
   *     (whole-machine busy time from /proc/stat minus this JVM, redis-server and redis-benchmark)
   */
  record Usage(
      double wallSeconds,
      Map<String, Long> cpuNanos,
      double jvmSysShare,
      double otherProcessesCores) {
    long total() {
      return cpuNanos.values().stream().mapToLong(Long::longValue).sum();
    }

    double cores() {
      return total() / 1e9 / wallSeconds;
    }

    double cores(String group) {
      return cpuNanos.getOrDefault(group, 0L) / 1e9 / wallSeconds;
    }
  }

  Snapshot snapshot() {
    long[] ids = threads.getAllThreadIds();
    Map<Long, String> names = new HashMap<>();
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(ids)) {
      if (info == null) {
        continue;
      }
      long time = threads.getThreadCpuTime(info.getThreadId());
      if (time >= 0) {
        names.put(info.getThreadId(), info.getThreadName());
        cpu.put(info.getThreadId(), time);
      }
    }
    long[] self = procStat("self");
    long[] redis = redisPid > 0 ? procStat(Long.toString(redisPid)) : new long[4];
    return new Snapshot(
        System.nanoTime(),
        names,
        cpu,
        os.getProcessCpuTime(),
        self[0],
        self[1],
        self[2] + self[3],
        redis[0] + redis[1],
        systemBusyTicks());
  }

  Usage between(Snapshot before, Snapshot after) {
    Map<String, Long> groups = new LinkedHashMap<>();
    for (String group : GROUPS) {
      groups.put(group, 0L);
    }
    long javaThreads = 0;
    for (Map.Entry<Long, Long> entry : after.threadCpu().entrySet()) {
      long delta = entry.getValue() - before.threadCpu().getOrDefault(entry.getKey(), 0L);
      javaThreads += delta;
      groups.merge(group(after.names().get(entry.getKey())), delta, Long::sum);
    }
    long process = after.processCpu() - before.processCpu();
    groups.put(JVM_INTERNAL, Math.max(0, process - javaThreads));
    groups.put(REDIS, (after.redisTicks() - before.redisTicks()) * nanosPerTick);
    groups.put(REDIS_BENCHMARK, (after.childTicks() - before.childTicks()) * nanosPerTick);
    long user = after.processUserTicks() - before.processUserTicks();
    long sys = after.processSysTicks() - before.processSysTicks();
    double sysShare = user + sys == 0 ? 0 : (double) sys / (user + sys);
    double wall = (after.wallNanos() - before.wallNanos()) / 1e9;
    long ours =
        user
            + sys
            + (after.redisTicks() - before.redisTicks())
            + (after.childTicks() - before.childTicks());
    long others = Math.max(0, after.systemBusyTicks() - before.systemBusyTicks() - ours);
    return new Usage(wall, groups, sysShare, others * (double) nanosPerTick / 1e9 / wall);
  }

  /** Busy time of all CPUs (user, nice, system, irq, softirq, steal) in clock ticks. */
  private static long systemBusyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      return Long.parseLong(f[1])
          + Long.parseLong(f[2])
          + Long.parseLong(f[3])
          + Long.parseLong(f[6])
          + Long.parseLong(f[7])
          + Long.parseLong(f[8]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** utime, stime, cutime, cstime in clock ticks. */
  private static long[] procStat(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
      return new long[] {
        Long.parseLong(fields[11]),
        Long.parseLong(fields[12]),
        Long.parseLong(fields[13]),
        Long.parseLong(fields[14])
      };
    } catch (IOException | RuntimeException e) {
      return new long[4];
    }
  }
}

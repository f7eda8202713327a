package io.redisgrpc.benchmark;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Closed-loop (fixed number of sends in flight) and open-loop (fixed rate) load drivers. */
final class Drivers {
  private Drivers() {}

  /** Latencies are recorded in nanoseconds. */
  record Measurement(
      Histogram latency, long ops, long failedOps, double seconds, CpuProbe.Usage cpu) {
    double opsPerSecond() {
      return ops / seconds;
    }
  }

  /**
   * Resends after a failure from another thread, a little later, so errors neither recurse nor
   * spin.
   */
  private static final ScheduledExecutorService RETRY =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "bench-retry");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * Keeps {@code slots} sends in flight: each answer immediately triggers the next send on its
   * slot. Runs {@code warmup} unrecorded, then records {@code duration}.
   */
  static Measurement closedLoop(
      LoadClient client, int slots, Duration warmup, Duration duration, CpuProbe probe)
      throws InterruptedException {
    Recorder recorder = new Recorder(3);
    LongAdder failed = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch drained = new CountDownLatch(slots);
    client.open(slots);
    for (int slot = 0; slot < slots; slot++) {
      new Slot(slot, client, recorder, failed, stop, drained).fire();
    }
    Thread.sleep(warmup.toMillis());
    recorder.reset();
    failed.reset();
    CpuProbe.Snapshot before = probe.snapshot();
    long start = System.nanoTime();
    Thread.sleep(duration.toMillis());
    Histogram latency = recorder.getIntervalHistogram();
    long end = System.nanoTime();
    long failedOps = failed.sum();
    CpuProbe.Snapshot after = probe.snapshot();
    stop.set(true);
    if (!drained.await(30, TimeUnit.SECONDS)) {
      System.err.println(
          "warning: " + drained.getCount() + " sends still unanswered 30 s after the run");
    }
    client.close();
    return new Measurement(
        latency,
        latency.getTotalCount() * client.opsPerSend(),
        failedOps,
        (end - start) / 1e9,
        probe.between(before, after));
  }

  private static final class Slot {
    private final int slot;
    private final LoadClient client;
    private final Recorder recorder;
    private final LongAdder failed;
    private final AtomicBoolean stop;
    private final CountDownLatch drained;

    Slot(
        int slot,
        LoadClient client,
        Recorder recorder,
        LongAdder failed,
        AtomicBoolean stop,
        CountDownLatch drained) {
      this.slot = slot;
      this.client = client;
      this.recorder = recorder;
      this.failed = failed;
      this.stop = stop;
      this.drained = drained;
    }

    void fire() {
      if (stop.get()) {
        drained.countDown();
        return;
      }
      long sent = System.nanoTime();
      try {
        client.send(
            slot,
            failedOps -> {
              recorder.recordValue(System.nanoTime() - sent);
              if (failedOps == 0) {
                fire();
              } else {
                failed.add(failedOps);
                RETRY.schedule(this::fire, 1, TimeUnit.MILLISECONDS);
              }
            });
      } catch (RuntimeException e) {
        failed.add(client.opsPerSend());
        RETRY.schedule(this::fire, 1, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Open loop: sends at fixed intervals ({@code rate} per second) from one thread whatever the
   * answers do, and measures each request from its <em>intended</em> send time, so a stall is
   * charged to every request it delayed (no coordinated omission).
   */
  static Measurement openLoop(
      LoadClient client, int rate, Duration warmup, Duration duration, CpuProbe probe)
      throws InterruptedException {
    Recorder recorder = new Recorder(3);
    LongAdder failed = new LongAdder();
    AtomicLong outstanding = new AtomicLong();
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime() + 10_000_000L;
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    client.open(1);
    CpuProbe.Snapshot before = null;
    for (long i = 0; ; i++) {
      long intended = start + i * interval;
      if (intended >= end) {
        break;
      }
      if (before == null && intended >= measureFrom) {
        before = probe.snapshot();
      }
      waitUntil(intended);
      outstanding.incrementAndGet();
      boolean measured = intended >= measureFrom;
      try {
        client.send(
            0,
            failedOps -> {
              long now = System.nanoTime();
              if (measured) {
                recorder.recordValue(now - intended);
                failed.add(failedOps);
              }
              outstanding.decrementAndGet();
            });
      } catch (RuntimeException e) {
        failed.increment();
        outstanding.decrementAndGet();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (outstanding.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    CpuProbe.Snapshot after = probe.snapshot();
    client.close();
    Histogram latency = recorder.getIntervalHistogram();
    return new Measurement(
        latency,
        latency.getTotalCount(),
        failed.sum(),
        duration.toNanos() / 1e9,
        probe.between(before == null ? after : before, after));
  }

  /** Sleeps until shortly before {@code deadline}, then spins the rest for a precise send time. */
  private static void waitUntil(long deadline) {
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return;
      }
      if (remaining > 80_000) {
        LockSupport.parkNanos(remaining - 60_000);
      } else {
        Thread.onSpinWait();
      }
    }
  }
}

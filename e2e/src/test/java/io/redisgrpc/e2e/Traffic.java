package io.redisgrpc.e2e;

import static io.redisgrpc.e2e.GatewayClient.bytes;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.redisgrpc.api.v1.BatchRequest;
import io.redisgrpc.api.v1.BatchResponse;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.SetRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous gRPC writes through a gateway while something happens to the cache, the way an
 * application sees it: every acknowledged write is recorded, every failed call is counted by its
 * status code, and the longest stretch with no successful call is measured. Afterwards every
 * acknowledged key is read back: a write the gateway acknowledged and Redis then lost is a lost
 * acknowledged write.
 *
 * <p>Each writer sends one Set at a time with a 2 s deadline, paced to {@code ratePerWriter} calls
 * per second, so the load stays light on a 2-core machine and a stall shows as a gap.
 */
final class Traffic implements AutoCloseable {
  private final GatewayClient client;
  private final String prefix;
  private final List<Thread> writers = new ArrayList<>();
  private final Map<String, Boolean> acknowledged = new ConcurrentHashMap<>();
  private final Map<Status.Code, AtomicLong> failures = new ConcurrentHashMap<>();
  private final Map<Status.Code, String> firstMessage = new ConcurrentHashMap<>();
  private final Map<Status.Code, String> lastMessage = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong lastSuccess = new AtomicLong();
  private final AtomicLong longestGap = new AtomicLong();
  private volatile boolean running = true;
  private final long startedAt = System.nanoTime();

  private Traffic(GatewayClient client, String prefix) {
    this.client = client;
    this.prefix = prefix;
  }

  /** Starts {@code writers} threads, each writing {@code ratePerWriter} keys per second. */
  static Traffic start(GatewayClient client, String prefix, int writers, int ratePerWriter) {
    Traffic traffic = new Traffic(client, prefix);
    traffic.lastSuccess.set(System.nanoTime());
    long periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerWriter;
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread thread =
          new Thread(() -> traffic.write(writer, periodNanos), "traffic-" + prefix + "-" + w);
      thread.setDaemon(true);
      traffic.writers.add(thread);
      thread.start();
    }
    return traffic;
  }

  private void write(int writer, long periodNanos) {
    long next = System.nanoTime();
    for (long seq = 0; running; seq++) {
      String key = prefix + ":" + writer + ":" + seq;
      requests.incrementAndGet();
      try {
        client
            .cache()
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .set(SetRequest.newBuilder().setKey(bytes(key)).setValue(bytes(key)).build());
        acknowledged.put(key, Boolean.TRUE);
        success();
      } catch (StatusRuntimeException e) {
        failures.computeIfAbsent(e.getStatus().getCode(), c -> new AtomicLong()).incrementAndGet();
        String message = String.valueOf(e.getStatus().getDescription());
        firstMessage.putIfAbsent(e.getStatus().getCode(), message);
        lastMessage.put(e.getStatus().getCode(), message);
      }
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  private void success() {
    long now = System.nanoTime();
    long previous = lastSuccess.getAndSet(now);
    longestGap.accumulateAndGet(now - previous, Math::max);
  }

  /** Successful writes so far (to wait until traffic flows, or flows again). */
  long acknowledgedCount() {
    return acknowledged.size();
  }

  /** Nanoseconds since the last successful call. */
  long sinceLastSuccessNanos() {
    return System.nanoTime() - lastSuccess.get();
  }

  /**
   * What the writers have seen so far, for a failure message while they still run: the first and
   * the latest message of each failed status code tell a stall that began one way and went on
   * another.
   */
  String progress() {
    StringBuilder out =
        new StringBuilder()
            .append(requests.get())
            .append(" requests, ")
            .append(acknowledged.size())
            .append(" acknowledged, last success ")
            .append(TimeUnit.NANOSECONDS.toMillis(sinceLastSuccessNanos()))
            .append(" ms ago");
    new TreeMap<>(failures)
        .forEach(
            (code, count) ->
                out.append("\n  ")
                    .append(code)
                    .append(" ")
                    .append(count.get())
                    .append(": first \"")
                    .append(firstMessage.get(code))
                    .append("\", latest \"")
                    .append(lastMessage.get(code))
                    .append("\""));
    return out.toString();
  }

  /** Stops the writers, then reads back every acknowledged key (in Batches of 500). */
  Report stop() throws InterruptedException {
    running = false;
    for (Thread thread : writers) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
    List<String> keys = new ArrayList<>(acknowledged.keySet());
    long lost = 0;
    List<String> lostExamples = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += 500) {
      List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
      BatchRequest.Builder reads = BatchRequest.newBuilder();
      chunk.forEach(
          key ->
              reads.addOperations(
                  Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes(key)))));
      BatchResponse read =
          client.cache().withDeadlineAfter(30, TimeUnit.SECONDS).batch(reads.build());
      for (int i = 0; i < chunk.size(); i++) {
        var result = read.getResults(i);
        if (result.hasError()
            || !result.getGet().getFound()
            || !result.getGet().getValue().equals(bytes(chunk.get(i)))) {
          lost++;
          if (lostExamples.size() < 5) {
            lostExamples.add(
                chunk.get(i)
                    + (result.hasError() ? " (" + result.getError().getMessage() + ")" : ""));
          }
        }
      }
    }
    Map<String, Long> failed = new TreeMap<>();
    failures.forEach((code, count) -> failed.put(code.name(), count.get()));
    Map<String, String> messages = new TreeMap<>();
    firstMessage.forEach((code, message) -> messages.put(code.name(), message));
    return new Report(
        requests.get(),
        keys.size(),
        failed,
        messages,
        lost,
        lostExamples,
        Duration.ofNanos(longestGap.get()),
        Duration.ofNanos(System.nanoTime() - startedAt));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : writers) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /**
   * What the application saw.
   *
   * @param failedByCode failed calls per gRPC status code
   * @param firstMessages the first message seen per failed status code
   * @param lost acknowledged writes that could not be read back
   * @param longestGap the longest stretch in which no call succeeded
   */
  record Report(
      long requests,
      long acknowledged,
      Map<String, Long> failedByCode,
      Map<String, String> firstMessages,
      long lost,
      List<String> lostExamples,
      Duration longestGap,
      Duration duration) {
    long failed() {
      return failedByCode.values().stream().mapToLong(Long::longValue).sum();
    }

    String failedText() {
      return failedByCode.isEmpty()
          ? "0"
          : failed()
              + " ("
              + failedByCode.entrySet().stream()
                  .map(e -> e.getKey() + " " + e.getValue())
                  .reduce((a, b) -> a + ", " + b)
                  .orElse("")
              + ")";
    }

    @Override
    public String toString() {
      return requests
          + " requests, "
          + acknowledged
          + " acknowledged, failed "
          + failedText()
          + ", lost "
          + lost
          + (lostExamples.isEmpty() ? "" : " e.g. " + lostExamples)
          + ", longest gap "
          + longestGap.toMillis()
          + " ms"
          + (firstMessages.isEmpty() ? "" : ", first messages " + firstMessages);
    }
  }
}

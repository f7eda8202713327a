package io.redisgrpc.gateway.health;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.redisgrpc.gateway.redis.RedisBackend;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code grpc.health.v1} truthful: SERVING only while a client's call can succeed ({@link
 * RedisBackend#servingProblem}). The overall status ("") and each service report the same, since
 * every service needs Redis.
 *
 * <p>The kubelet's readiness ({@link #readinessProblem}) follows Redis only until the gateway has
 * served once. After that a Redis problem is every gateway's problem at the same moment: failing
 * their readiness together would empty the Service, and clients would get connection refused ("io
 * exception") for calls the gateway could have served or answered with UNAVAILABLE and the reason
 * (seen on a real node: 10 s without a served write while a Cluster master was rolled).
 */
public final class RedisHealthReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisHealthReporter.class);
  private static final List<String> SERVICES =
      List.of(
          HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
          "redisgrpc.v1.Cache",
          "redisgrpc.v1.PubSub");

  private final HealthStatusManager health;
  private final RedisBackend backend;
  private final long intervalMs;
  private final ScheduledFuture<?> task;
  private volatile ServingStatus current;
  private volatile String reason = "not checked yet";
  private volatile boolean servedOnce;

  public RedisHealthReporter(
      HealthStatusManager health,
      RedisBackend backend,
      ScheduledExecutorService scheduler,
      long intervalMs) {
    this.health = health;
    this.backend = backend;
    this.intervalMs = intervalMs;
    set("not checked yet");
    this.task = scheduler.scheduleWithFixedDelay(this::check, 0, intervalMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Non-blocking: the scheduler thread is shared with lease polling and heartbeats, so it only
   * sends the PING; the answer (or its timeout) sets the status from Lettuce's thread.
   */
  private void check() {
    backend
        .servingProblem()
        .orTimeout(intervalMs, TimeUnit.MILLISECONDS)
        .whenComplete(
            (problem, error) ->
                set(error != null ? "Redis does not answer in time: " + message(error) : problem));
  }

  /** Why the gateway cannot serve right now, or "" when it can. */
  public String notReadyReason() {
    return reason;
  }

  /** For /ready: why the gateway has not served yet, or "" once it has (see the class comment). */
  public String readinessProblem() {
    return servedOnce ? "" : reason;
  }

  private synchronized void set(String notReadyReason) {
    reason = notReadyReason;
    if (notReadyReason.isEmpty()) {
      servedOnce = true;
    }
    ServingStatus status =
        notReadyReason.isEmpty() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (status != current) {
      if (status == ServingStatus.SERVING) {
        LOG.info("health: SERVING");
      } else {
        LOG.info("health: NOT_SERVING ({})", notReadyReason);
      }
      current = status;
      SERVICES.forEach(service -> health.setStatus(service, status));
    }
  }

  private static String message(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause instanceof TimeoutException
        ? "no reply in time"
        : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  @Override
  public void close() {
    task.cancel(false);
    health.enterTerminalState();
  }
}

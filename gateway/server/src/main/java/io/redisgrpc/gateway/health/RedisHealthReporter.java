package io.redisgrpc.gateway.health;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.redisgrpc.gateway.redis.RedisBackend;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code grpc.health.v1} truthful: SERVING only while Redis answers PING. The overall
 * status ("") and each service report the same, since every service needs Redis.
 */
public final class RedisHealthReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisHealthReporter.class);
  private static final List<String> SERVICES = List.of(
      HealthStatusManager.SERVICE_NAME_ALL_SERVICES, "redisgrpc.v1.Cache", "redisgrpc.v1.PubSub");

  private final HealthStatusManager health;
  private final RedisBackend backend;
  private final long intervalMs;
  private final ScheduledFuture<?> task;
  private volatile ServingStatus current;

  public RedisHealthReporter(HealthStatusManager health, RedisBackend backend, ScheduledExecutorService scheduler, long intervalMs) {
    this.health = health;
    this.backend = backend;
    this.intervalMs = intervalMs;
    set(ServingStatus.NOT_SERVING);
    this.task = scheduler.scheduleWithFixedDelay(this::check, 0, intervalMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Non-blocking: the scheduler thread is shared with lease polling and heartbeats, so it only
   * sends the PING; the answer (or its timeout) sets the status from Lettuce's thread.
   */
  private void check() {
    backend.ping().orTimeout(intervalMs, TimeUnit.MILLISECONDS)
        .whenComplete((pong, error) -> set(error == null ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
  }

  private synchronized void set(ServingStatus status) {
    if (status != current) {
      LOG.info("health: {}", status);
      current = status;
      SERVICES.forEach(service -> health.setStatus(service, status));
    }
  }

  @Override
  public void close() {
    task.cancel(false);
    health.enterTerminalState();
  }
}

package io.redisgrpc.gateway.metrics;

import com.google.rpc.Status;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.redisgrpc.gateway.errors.ErrorMapper;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own meters. Per-RPC latency histograms and counts by status code come from
 * Micrometer's gRPC interceptor ({@code grpc_server_processing_duration_seconds} with {@code
 * method} and {@code statusCode} tags); the cache-specific ones are defined here.
 */
public final class GatewayMetrics {
  private final MeterRegistry registry;
  private final Counter hits;
  private final Counter misses;
  private final Counter droppedMessages;
  private final AtomicInteger subscribers = new AtomicInteger();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().startsWith("grpc.server.processing.duration")) {
                  return DistributionStatisticConfig.builder()
                      .percentilesHistogram(true)
                      .build()
                      .merge(config);
                }
                return config;
              }
            });
    this.hits =
        Counter.builder("redisgrpc.cache.lookups")
            .tag("result", "hit")
            .description("Get/GetOrLease lookups that found the key")
            .register(registry);
    this.misses =
        Counter.builder("redisgrpc.cache.lookups")
            .tag("result", "miss")
            .description("Get/GetOrLease lookups that missed")
            .register(registry);
    this.droppedMessages =
        Counter.builder("redisgrpc.pubsub.dropped.messages")
            .description("Messages dropped for slow subscribers")
            .register(registry);
    Gauge.builder("redisgrpc.pubsub.subscribers", subscribers, AtomicInteger::get)
        .description("Active Subscribe streams")
        .register(registry);
  }

  public ServerInterceptor grpcInterceptor() {
    return new MetricCollectingServerInterceptor(registry);
  }

  public void lookup(boolean hit) {
    (hit ? hits : misses).increment();
  }

  /**
   * An operation that failed, by gRPC code and reason (Redis errors and refused requests alike).
   */
  public void error(Status status) {
    registry
        .counter(
            "redisgrpc.errors",
            "code",
            io.grpc.Status.fromCodeValue(status.getCode()).getCode().name(),
            "reason",
            ErrorMapper.reasonOf(status))
        .increment();
  }

  public void subscriberAdded() {
    subscribers.incrementAndGet();
  }

  public void subscriberRemoved() {
    subscribers.decrementAndGet();
  }

  public void dropped(long count) {
    droppedMessages.increment(count);
  }
}

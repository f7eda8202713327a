package io.redisgrpc.gateway.pubsub;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.PubSubGrpc;
import io.redisgrpc.api.v1.PublishRequest;
import io.redisgrpc.api.v1.PublishResponse;
import io.redisgrpc.api.v1.SubscribeEvent;
import io.redisgrpc.api.v1.SubscribeRequest;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.Failures;
import io.redisgrpc.gateway.errors.GatewayException;
import io.redisgrpc.gateway.metrics.GatewayMetrics;
import io.redisgrpc.gateway.redis.RedisBackend;
import io.redisgrpc.gateway.security.Permission;
import io.redisgrpc.gateway.service.CallerScope;
import io.redisgrpc.gateway.service.ClientConnections;
import io.redisgrpc.gateway.service.RequestLimits;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@code redisgrpc.v1.PubSub} service. */
public final class PubSubService extends PubSubGrpc.PubSubImplBase implements AutoCloseable {
  private final RedisBackend backend;
  private final RequestLimits limits;
  private final GatewayMetrics metrics;
  private final Failures failures;
  private final ScheduledExecutorService scheduler;
  private final SubscriptionHub hub;
  private final int bufferCapacity;
  private final int maxSubscribers;
  private final long defaultHeartbeatMs;
  private final AtomicInteger active = new AtomicInteger();
  private final ClientConnections clients;

  /**
   * @param backend the shared connection: subscriptions of all clients fan out from it
   * @param clients per-client connections (publishing) when a policy is in force, else null
   */
  public PubSubService(
      RedisBackend backend,
      RequestLimits limits,
      GatewayMetrics metrics,
      ScheduledExecutorService scheduler,
      int bufferCapacity,
      int maxSubscribers,
      long defaultHeartbeatMs,
      ClientConnections clients) {
    this.clients = clients;
    this.backend = backend;
    this.limits = limits;
    this.metrics = metrics;
    this.failures = new Failures(metrics::error);
    this.scheduler = scheduler;
    this.hub = new SubscriptionHub(backend::connectPubSub);
    this.bufferCapacity = bufferCapacity;
    this.maxSubscribers = maxSubscribers;
    this.defaultHeartbeatMs = defaultHeartbeatMs;
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
    try {
      ByteString channel = limits.key(request.getChannel(), "channel");
      ByteString message = limits.value(request.getMessage());
      CallerScope caller = CallerScope.authorize("Publish", EnumSet.of(Permission.PUBSUB));
      CompletableFuture<Long> published;
      if (!caller.isScoped() || clients == null) {
        published = backend.commands().publish(channel, message).toCompletableFuture();
      } else {
        published =
            clients
                .backend(caller.client())
                .thenCompose(own -> own.commands().publish(caller.channel(channel), message));
      }
      published.whenComplete(
          (receivers, error) -> {
            if (error != null) {
              responses.onError(failures.exception(error));
            } else {
              responses.onNext(PublishResponse.newBuilder().setReceivers(receivers).build());
              responses.onCompleted();
            }
          });
    } catch (RuntimeException e) {
      responses.onError(failures.exception(e));
    }
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<SubscribeEvent> observer) {
    ServerCallStreamObserver<SubscribeEvent> stream =
        (ServerCallStreamObserver<SubscribeEvent>) observer;
    List<ByteString> channels;
    List<ByteString> patterns;
    long heartbeatMs;
    CallerScope caller;
    try {
      if (request.getChannelsCount() + request.getPatternsCount() == 0) {
        throw GatewayException.invalid(
            ErrorReason.INVALID_REQUEST, "name at least one channel or pattern");
      }
      limits.elements(
          request.getChannelsCount() + request.getPatternsCount(), "channels and patterns");
      request.getChannelsList().forEach(c -> limits.key(c, "channel"));
      request.getPatternsList().forEach(p -> limits.key(p, "pattern"));
      channels = request.getChannelsList().stream().distinct().toList();
      patterns = request.getPatternsList().stream().distinct().toList();
      caller = CallerScope.authorize("Subscribe", EnumSet.of(Permission.PUBSUB));
      heartbeatMs =
          RequestLimits.duration(request.getHeartbeatIntervalMs(), "heartbeat_interval_ms");
      heartbeatMs = heartbeatMs == 0 ? defaultHeartbeatMs : Math.max(heartbeatMs, 100);
      if (active.incrementAndGet() > maxSubscribers) {
        active.decrementAndGet();
        throw new GatewayException(
            Status.Code.RESOURCE_EXHAUSTED,
            ErrorReason.SUBSCRIBER_CAPACITY,
            "the gateway serves at most "
                + maxSubscribers
                + " subscriptions at once (--max-subscribers)");
      }
    } catch (RuntimeException e) {
      stream.onError(failures.exception(e));
      return;
    }
    metrics.subscriberAdded();
    // With a policy the client's channels and patterns are moved under its channel prefix
    // (patterns with the prefix' glob characters escaped) and reported back without it.
    Subscriber subscriber =
        new Subscriber(
            stream,
            channels,
            patterns,
            caller::channel,
            caller::pattern,
            caller::unscopeChannel,
            bufferCapacity,
            metrics::dropped);
    ScheduledFuture<?> heartbeats =
        scheduler.scheduleAtFixedRate(
            subscriber::heartbeat, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    stream.setOnReadyHandler(subscriber::drain);
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            subscriber.close();
            heartbeats.cancel(false);
            hub.remove(subscriber);
            active.decrementAndGet();
            metrics.subscriberRemoved();
          }
        };
    stream.setOnCancelHandler(release);
    hub.add(subscriber)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                if (!subscriber.isClosed()) {
                  release.run();
                  stream.onError(failures.exception(error));
                }
              } else {
                subscriber.confirmSubscribed();
              }
            });
  }

  @Override
  public void close() {
    hub.close();
  }
}

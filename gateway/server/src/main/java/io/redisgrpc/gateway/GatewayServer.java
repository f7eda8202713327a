package io.redisgrpc.gateway;

import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Transports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.gateway.errors.Failures;
import io.redisgrpc.gateway.errors.MalformedRequests;
import io.redisgrpc.gateway.health.HttpEndpoints;
import io.redisgrpc.gateway.health.RedisHealthReporter;
import io.redisgrpc.gateway.metrics.GatewayMetrics;
import io.redisgrpc.gateway.pubsub.PubSubService;
import io.redisgrpc.gateway.redis.RedisBackend;
import io.redisgrpc.gateway.security.CallerInterceptor;
import io.redisgrpc.gateway.security.Policy;
import io.redisgrpc.gateway.security.PolicyWatcher;
import io.redisgrpc.gateway.security.ServerTls;
import io.redisgrpc.gateway.service.CacheService;
import io.redisgrpc.gateway.service.ClientConnections;
import io.redisgrpc.gateway.service.LeaseCoordinator;
import io.redisgrpc.gateway.service.OperationExecutor;
import io.redisgrpc.gateway.service.RequestLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The whole gateway: Redis connections, the gRPC server and the metrics endpoint. */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  private final ClientResources resources;
  private final EventLoopGroup eventLoops;
  private final RedisBackend backend;
  private final ScheduledExecutorService scheduler;
  private final Server server;
  private final RedisHealthReporter health;
  private final PubSubService pubSub;
  private final HttpEndpoints http;
  private final PrometheusMeterRegistry registry;
  private final ScheduledExecutorService fileWatcher;
  private final ServerTls tls;
  private final PolicyWatcher policy;
  private final ClientConnections clients;

  private GatewayServer(GatewayConfig config) {
    this.resources = RedisBackend.resources().build();
    // Every backend (the shared one, one per mTLS client, each failed connect attempt) is its own
    // Lettuce client on these resources; Lettuce shuts the event loop group down when the last
    // client using it goes, and a connection of another client on that group then fails with
    // "event executor terminated" (seen on a real node after a Sentinel master pod was deleted:
    // the gateway never served again). One reference held for the gateway's lifetime.
    this.eventLoops = resources.eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass());
    this.scheduler =
        Executors.newScheduledThreadPool(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-scheduler");
              thread.setDaemon(true);
              return thread;
            });
    // Certificate and policy files are read on their own thread, never on the shared scheduler.
    this.fileWatcher =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-file-watcher");
              thread.setDaemon(true);
              return thread;
            });
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    this.tls =
        config.tlsCertFile() == null
            ? null
            : ServerTls.start(
                config.tlsCertFile(),
                config.tlsKeyFile(),
                config.tlsClientCaFile(),
                fileWatcher,
                config.fileWatchIntervalMs());
    this.policy =
        config.policyFile() == null
            ? null
            : PolicyWatcher.start(
                config.policyFile(), registry, fileWatcher, config.fileWatchIntervalMs());
    // The HTTP port first: while Redis cannot be reached yet the gateway is alive, not ready.
    this.http =
        config.metricsPort() < 0
            ? null
            : HttpEndpoints.start(
                config.bind(), config.metricsPort(), registry.getPrometheusRegistry());
    this.backend = connectPatiently(config, resources);
    RequestLimits limits = RequestLimits.from(config);
    OperationExecutor executor =
        new OperationExecutor(backend, limits, metrics, config.commandTimeoutMs());
    if (policy != null) {
      if (config.redisCredentialsDir() == null) {
        LOG.warn(
            "--policy-file without --redis-credentials-dir: all clients share one Redis connection and only the"
                + " gateway's scoping separates them; give per-client ACL users for defense in depth");
      }
      this.clients =
          new ClientConnections(
              backend,
              config.redisCredentialsDir() == null
                  ? null
                  : user -> RedisBackend.connectAsClient(config, resources, user),
              limits,
              metrics,
              config.commandTimeoutMs());
      policy.holder().onChange(p -> clients.retain(p.clientNames()));
    } else {
      this.clients = null;
    }
    // Lease keys arrive already scoped (and checked against --max-key-bytes before scoping).
    RequestLimits leaseLimits =
        policy == null
            ? limits
            : limits.withKeyAllowance(limits.maxKeyBytes() + 1 + Policy.MAX_PREFIX_BYTES);
    LeaseCoordinator leases =
        new LeaseCoordinator(
            backend.commands(), leaseLimits, metrics, scheduler, config.leaseTtlMs());
    this.pubSub =
        new PubSubService(
            backend,
            limits,
            metrics,
            scheduler,
            config.subscriberBuffer(),
            config.maxSubscribers(),
            config.heartbeatIntervalMs(),
            clients);
    HealthStatusManager healthManager = new HealthStatusManager();
    this.health =
        new RedisHealthReporter(healthManager, backend, scheduler, config.healthIntervalMs());
    if (http != null) {
      http.readiness(health::readinessProblem);
    }

    // Interceptors: the last one listed runs first, so metrics also see calls the policy refuses.
    List<ServerInterceptor> interceptors = new ArrayList<>();
    if (policy != null) {
      interceptors.add(new CallerInterceptor(policy.holder(), new Failures(metrics::error)));
    }
    interceptors.add(metrics.grpcInterceptor());
    // Request bytes that are no valid protobuf message end just their call with INVALID_ARGUMENT.
    MalformedRequests malformed = new MalformedRequests(new Failures(metrics::error));
    InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
    NettyServerBuilder builder =
        tls == null
            ? NettyServerBuilder.forAddress(address)
            : NettyServerBuilder.forAddress(address, tls.credentials());
    // Handlers never block, so they run directly on the transport threads (no executor hop).
    this.server =
        builder
            .directExecutor()
            .maxInboundMessageSize(config.maxMessageBytes())
            // Messages above it: counted and logged once a minute, not a stack trace each.
            .addStreamTracerFactory(malformed.oversizedMessages())
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(
                ServerInterceptors.intercept(
                    malformed.guard(
                        new CacheService(
                                executor, leases, metrics, config.maxPipelineInFlight(), clients)
                            .bindService()),
                    interceptors))
            .addService(
                ServerInterceptors.intercept(malformed.guard(pubSub.bindService()), interceptors))
            .addService(malformed.guard(healthManager.getHealthService().bindService()))
            // Both reflection versions: grpcurl speaks v1, Python's grpcio-reflection and older
            // tools v1alpha.
            .addService(malformed.guard(ProtoReflectionServiceV1.newInstance().bindService()))
            .addService(malformed.guard(reflectionV1Alpha()))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot listen on " + config.bind() + ":" + config.port(), e);
    }
    LOG.info(
        "gateway serving gRPC{} on port {} for Redis {} at {}{}; values up to {} bytes in requests up to {} bytes; metrics and probes on {}",
        tls == null ? "" : config.tlsClientCaFile() == null ? " over TLS" : " over mTLS",
        server.getPort(),
        config.redisMode(),
        config.redisNodes(),
        config.redisTls() ? " (TLS)" : "",
        config.maxValueBytes(),
        config.maxMessageBytes(),
        http == null ? "off" : http.port());
  }

  @SuppressWarnings(
      "deprecation") // v1alpha is deprecated upstream, still what several clients speak
  private static ServerServiceDefinition reflectionV1Alpha() {
    return ProtoReflectionService.newInstance().bindService();
  }

  /**
   * Connects to Redis, trying again with a capped backoff while it cannot be reached (a gateway
   * usually starts next to a cache that is still forming), up to --redis-connect-timeout-ms.
   */
  private RedisBackend connectPatiently(GatewayConfig config, ClientResources resources) {
    long deadline =
        config.redisConnectTimeoutMs() == 0
            ? Long.MAX_VALUE
            : System.nanoTime() + config.redisConnectTimeoutMs() * 1_000_000;
    long waitMs = 200;
    while (true) {
      try {
        return RedisBackend.connect(config, resources);
      } catch (RuntimeException e) {
        if (System.nanoTime() + waitMs * 1_000_000 - deadline > 0) {
          close();
          throw e;
        }
        LOG.warn(
            "cannot reach Redis ({} at {}) yet: {}; trying again in {} ms",
            config.redisMode(),
            config.redisNodes(),
            e.getMessage(),
            waitMs);
        try {
          Thread.sleep(waitMs);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          close();
          throw e;
        }
        waitMs = Math.min(waitMs * 2, 5_000);
      }
    }
  }

  public static GatewayServer start(GatewayConfig config) {
    return new GatewayServer(config);
  }

  public int port() {
    return server.getPort();
  }

  /** The metrics and probes port, or -1 when it is off. */
  public int metricsPort() {
    return http == null ? -1 : http.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    if (health != null) {
      health.close();
    }
    if (http != null) {
      http.close();
    }
    if (pubSub != null) {
      pubSub.close();
    }
    scheduler.shutdownNow();
    if (policy != null) {
      policy.close();
    }
    if (tls != null) {
      tls.close();
    }
    fileWatcher.shutdownNow();
    if (clients != null) {
      clients.close();
    }
    if (backend != null) {
      backend.close();
    }
    resources.eventLoopGroupProvider().release(eventLoops, 0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS);
    registry.close();
  }
}

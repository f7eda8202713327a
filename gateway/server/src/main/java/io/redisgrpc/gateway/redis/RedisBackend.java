package io.redisgrpc.gateway.redis;

import com.google.protobuf.ByteString;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.support.AsyncConnectionPoolSupport;
import io.lettuce.core.support.BoundedAsyncPool;
import io.lettuce.core.support.BoundedPoolConfig;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.gateway.config.GatewayConfig.HostAndPort;
import io.redisgrpc.gateway.config.RedisMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * The gateway's connections to Redis, for whichever topology is configured:
 *
 * <ul>
 *   <li>one shared, multiplexed connection for ordinary commands (Lettuce pipelines them);
 *   <li>a bounded pool of dedicated connections for blocking list commands, which would otherwise
 *       stall every command queued behind them on the shared connection;
 *   <li>pub/sub connections on demand.
 * </ul>
 *
 * Standalone and Sentinel: a command made while the shared connection is down waits up to
 * --reconnect-wait-ms for the reconnect (Redis closing the connection costs a few milliseconds, not
 * a failed call), then fails UNAVAILABLE. Cluster: Lettuce opens node connections lazily and a
 * command that meets one mid-handshake would be rejected, so commands wait for the node's
 * connection instead, bounded by the caller's deadline (DEADLINE_EXCEEDED) or --command-timeout-ms.
 * Connections reconnect with a short capped backoff so a failover is followed quickly.
 */
public final class RedisBackend implements AutoCloseable {
  private final AbstractRedisClient client;
  private final StatefulConnection<ByteString, ByteString> connection;
  private final RedisClusterAsyncCommands<ByteString, ByteString> commands;
  private final BoundedAsyncPool<StatefulConnection<ByteString, ByteString>> blockingPool;
  private final Supplier<StatefulRedisPubSubConnection<ByteString, ByteString>> pubSubFactory;

  /**
   * Cluster mode, shared connection: keeps {@link ClusterNodeAddresses} current; disposed on close.
   */
  private final Disposable addressFollower;

  private RedisBackend(
      AbstractRedisClient client,
      StatefulConnection<ByteString, ByteString> connection,
      RedisClusterAsyncCommands<ByteString, ByteString> commands,
      BoundedAsyncPool<StatefulConnection<ByteString, ByteString>> blockingPool,
      Supplier<StatefulRedisPubSubConnection<ByteString, ByteString>> pubSubFactory,
      Disposable addressFollower) {
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.blockingPool = blockingPool;
    this.pubSubFactory = pubSubFactory;
    this.addressFollower = addressFollower;
  }

  public static ClientResources.Builder resources() {
    // Reconnect fast after a failover: 10 ms doubling up to 500 ms. Cluster nodes are reached at
    // the address the cluster reports for their hostname, not DNS's possibly stale answer.
    return ClientResources.builder()
        .reconnectDelay(
            Delay.exponential(
                Duration.ofMillis(10), Duration.ofMillis(500), 2, TimeUnit.MILLISECONDS))
        .socketAddressResolver(new ClusterNodeAddresses());
  }

  /**
   * The user of the gateway's shared connection when passwords come from --redis-credentials-dir.
   */
  public static final String GATEWAY_USER = "_gateway";

  /**
   * Connects the gateway's shared connection according to the configuration; fails if Redis cannot
   * be reached at all. With --redis-credentials-dir it logs in as {@value #GATEWAY_USER}.
   */
  public static RedisBackend connect(GatewayConfig config, ClientResources resources) {
    FileCredentials credentials =
        config.redisCredentialsDir() != null
            ? new FileCredentials(GATEWAY_USER, config.redisCredentialsDir().resolve(GATEWAY_USER))
            : new FileCredentials(config.redisUsernameFile(), config.redisPasswordFile());
    try {
      return open(config, resources, credentials, true).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  /**
   * Connects on behalf of one declared client, as its own ACL user (password file {@code
   * <credentials dir>/<user>}, re-read on every reconnect). Does not block.
   *
   * <p>Unlike the shared connection, a client connection queues commands while it reconnects
   * (bounded by the caller's deadline or --command-timeout-ms) instead of failing them, so a forced
   * reconnect (password rotation, CLIENT KILL) costs latency, not failed calls.
   */
  public static CompletableFuture<RedisBackend> connectAsClient(
      GatewayConfig config, ClientResources resources, String user) {
    if (config.redisCredentialsDir() == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("per-client connections need --redis-credentials-dir"));
    }
    return open(
        config,
        resources,
        new FileCredentials(user, config.redisCredentialsDir().resolve(user)),
        false);
  }

  private static CompletableFuture<RedisBackend> open(
      GatewayConfig config,
      ClientResources resources,
      FileCredentials credentials,
      boolean rejectWhileDisconnected) {
    // Standalone and Sentinel, shared connection: a call made while the connection is down waits
    // up to --reconnect-wait-ms for it (a connection Redis closed comes back within milliseconds),
    // then fails; Cluster mode and the per-client connections wait within the deadline as before.
    boolean standalone = config.redisMode() != RedisMode.CLUSTER;
    long reconnectWait = rejectWhileDisconnected && standalone ? config.reconnectWaitMs() : 0;
    AtomicReference<StatefulConnection<?, ?>> shared = new AtomicReference<>();
    BooleanSupplier sharedOpen =
        () -> {
          StatefulConnection<?, ?> connection = shared.get();
          return connection == null || connection.isOpen();
        };
    TimeoutOptions timeouts =
        TimeoutOptions.builder()
            .timeoutSource(
                new DeadlineTimeoutSource(config.commandTimeoutMs(), reconnectWait, sharedOpen))
            .build();
    // 1 s to connect: Redis is in the same cluster. A reconnect to a pod's old IP (its DNS name
    // still resolving to it for a moment after the pod was replaced) gets no answer at all, and
    // waiting longer only delays the next attempt, which reaches the new pod.
    SocketOptions socket =
        SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).keepAlive(true).build();
    SslOptions ssl =
        config.redisTls()
            ? new RedisTls(
                    config.redisTlsCaFile(), config.redisTlsCertFile(), config.redisTlsKeyFile())
                .sslOptions()
            : SslOptions.create();
    BoundedPoolConfig poolConfig =
        BoundedPoolConfig.builder()
            .maxTotal(config.maxBlockingOperations())
            .maxIdle(config.maxBlockingOperations())
            .minIdle(0)
            .testOnAcquire()
            .testOnRelease()
            .build();

    if (config.redisMode() == RedisMode.CLUSTER) {
      List<RedisURI> seeds =
          config.redisNodes().stream()
              .map(node -> uri(node, credentials, config.redisTls()))
              .toList();
      RedisClusterClient cluster = new SlotCoverageClusterClient(resources, seeds);
      cluster.setOptions(
          ClusterClientOptions.builder()
              .timeoutOptions(timeouts)
              .socketOptions(socket)
              .sslOptions(ssl)
              .maxRedirects(8)
              .validateClusterNodeMembership(false)
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofMillis(config.topologyRefreshMs()))
                      .enableAllAdaptiveRefreshTriggers()
                      .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                      // A node that cannot be reconnected once is a pod that went away (rolled,
                      // deleted): re-read the slot owners then, not after Lettuce's default 5
                      // attempts,
                      // which with the 1 s connect timeout kept writes waiting ~5 s on a rolling
                      // update.
                      .refreshTriggersReconnectAttempts(1)
                      .build())
              .build());
      // The topology is loaded first, asynchronously: connectAsync needs it and must not block.
      // The shared connection keeps the node addresses current for every connection on these
      // resources (the per-client ones included); it reads them once before the topology.
      Disposable follower = Disposables.disposed();
      CompletableFuture<Void> addressesKnown = CompletableFuture.completedFuture(null);
      if (rejectWhileDisconnected
          && resources.socketAddressResolver() instanceof ClusterNodeAddresses addresses) {
        addressesKnown = new CompletableFuture<>();
        follower =
            addresses.follow(
                resources,
                ClientOptions.builder()
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .sslOptions(ssl)
                    .build(),
                seeds,
                Duration.ofMillis(config.topologyRefreshMs()),
                addressesKnown);
      }
      Disposable following = follower;
      return addressesKnown
          .thenCompose(known -> cluster.refreshPartitionsAsync().toCompletableFuture())
          .thenCompose(loaded -> cluster.connectAsync(ByteStringCodec.INSTANCE))
          .<RedisBackend>thenApply(
              connection -> {
                BoundedAsyncPool<StatefulConnection<ByteString, ByteString>> pool =
                    AsyncConnectionPoolSupport.createBoundedObjectPool(
                        () ->
                            cluster
                                .connectAsync(ByteStringCodec.INSTANCE)
                                .thenApply(c -> (StatefulConnection<ByteString, ByteString>) c),
                        poolConfig);
                return new RedisBackend(
                    cluster,
                    connection,
                    connection.async(),
                    pool,
                    () -> cluster.connectPubSub(ByteStringCodec.INSTANCE),
                    following);
              })
          .whenComplete(
              (backend, error) -> {
                if (error != null) {
                  following.dispose();
                }
                shutdownOnFailure(cluster, error);
              });
    }

    RedisURI target =
        config.redisMode() == RedisMode.SENTINEL
            ? sentinelUri(config, credentials)
            : uri(config.redisNodes().get(0), credentials, config.redisTls());
    // Sentinel: each connection checks it reached a master (SentinelMasterClient).
    RedisClient redis =
        config.redisMode() == RedisMode.SENTINEL
            ? new SentinelMasterClient(resources)
            : RedisClient.create(resources);
    redis.setOptions(
        ClientOptions.builder()
            .timeoutOptions(timeouts)
            .socketOptions(socket)
            .sslOptions(ssl)
            .disconnectedBehavior(
                rejectWhileDisconnected && reconnectWait == 0
                    ? ClientOptions.DisconnectedBehavior.REJECT_COMMANDS
                    : ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
            .build());
    // Sentinel: a plain connection to the master, which Lettuce looks up at the sentinels on
    // every connect and reconnect. A failover is followed by reconnecting: the old master went
    // away, or Sentinel demoted it and closed its clients (it does, for every instance it
    // reconfigures). Lettuce's MasterReplica instead re-reads the topology only on sentinel
    // events; behind one Service address, one gateway that read it from a sentinel still naming
    // the old master stayed on it for 13 minutes. Here each retry asks again.
    CompletableFuture<? extends StatefulRedisConnection<ByteString, ByteString>> connected =
        redis.connectAsync(ByteStringCodec.INSTANCE, target).toCompletableFuture();
    Supplier<CompletionStage<StatefulConnection<ByteString, ByteString>>> pooled =
        () ->
            redis
                .connectAsync(ByteStringCodec.INSTANCE, target)
                .thenApply(c -> (StatefulConnection<ByteString, ByteString>) c);
    return connected
        .<RedisBackend>thenApply(
            connection -> {
              shared.set(connection);
              BoundedAsyncPool<StatefulConnection<ByteString, ByteString>> pool =
                  AsyncConnectionPoolSupport.createBoundedObjectPool(pooled, poolConfig);
              return new RedisBackend(
                  redis,
                  connection,
                  connection.async(),
                  pool,
                  () -> redis.connectPubSub(ByteStringCodec.INSTANCE, target),
                  Disposables.disposed());
            })
        .whenComplete((backend, error) -> shutdownOnFailure(redis, error));
  }

  private static void shutdownOnFailure(AbstractRedisClient client, Throwable error) {
    if (error != null) {
      client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
  }

  private static RedisURI uri(HostAndPort node, FileCredentials credentials, boolean tls) {
    return RedisURI.builder()
        .withHost(node.host())
        .withPort(node.port())
        .withSsl(tls)
        .withVerifyPeer(tls ? SslVerifyMode.FULL : SslVerifyMode.NONE)
        .withAuthentication(credentials)
        .build();
  }

  private static RedisURI sentinelUri(GatewayConfig config, FileCredentials credentials) {
    List<HostAndPort> sentinels = config.redisNodes();
    RedisURI.Builder builder =
        RedisURI.Builder.sentinel(
            sentinels.get(0).host(), sentinels.get(0).port(), config.sentinelMaster());
    sentinels.stream().skip(1).forEach(s -> builder.withSentinel(s.host(), s.port()));
    if (config.redisTls()) {
      builder.withSsl(true).withVerifyPeer(SslVerifyMode.FULL);
    }
    return builder.withAuthentication(credentials).build();
  }

  /** Whether the shared connection is up (false while Lettuce reconnects it). */
  public boolean connected() {
    return connection.isOpen();
  }

  /** The shared connection's commands; safe to use from any thread, never blocks. */
  public RedisClusterAsyncCommands<ByteString, ByteString> commands() {
    return commands;
  }

  /**
   * Runs a blocking command on a dedicated pooled connection. A connection whose command did not
   * complete normally may still be blocked inside Redis, so it is closed, not reused.
   */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> withBlockingConnection(
      Function<RedisClusterAsyncCommands<ByteString, ByteString>, CompletionStage<T>> action) {
    return blockingPool
        .acquire()
        .thenCompose(
            pooled -> {
              RedisClusterAsyncCommands<ByteString, ByteString> async =
                  pooled instanceof StatefulRedisClusterConnection<?, ?> c
                      ? ((StatefulRedisClusterConnection<ByteString, ByteString>) c).async()
                      : ((StatefulRedisConnection<ByteString, ByteString>) pooled).async();
              CompletableFuture<T> result;
              try {
                result = action.apply(async).toCompletableFuture();
              } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
              }
              return result.whenComplete(
                  (value, error) -> {
                    if (error != null) {
                      pooled
                          .closeAsync()
                          .whenComplete((ignored, closeError) -> blockingPool.release(pooled));
                    } else {
                      blockingPool.release(pooled);
                    }
                  });
            });
  }

  public StatefulRedisPubSubConnection<ByteString, ByteString> connectPubSub() {
    return pubSubFactory.get();
  }

  /** PING on the shared connection. */
  public CompletableFuture<String> ping() {
    return commands.ping().toCompletableFuture();
  }

  /**
   * Why a call could fail right now, or "" when the gateway can serve: Redis answers PING and, in
   * Cluster mode, every one of the 16384 slots has a master in the gateway's view of the topology
   * and every master reports {@code cluster_state:ok}. A command for a slot without a known master
   * fails at once ("Cannot determine a partition"), and a master that has not yet learnt the whole
   * cluster answers CLUSTERDOWN. While slots are missing this also asks for a fresh topology, since
   * the periodic refresh may be many seconds away (a cluster that finished forming after the
   * gateway connected).
   */
  public CompletableFuture<String> servingProblem() {
    return ping()
        .handle((pong, error) -> error)
        .thenCompose(
            error -> {
              if (error != null) {
                return CompletableFuture.completedFuture(
                    "Redis does not answer PING: " + message(error));
              }
              if (!(client instanceof RedisClusterClient cluster)) {
                return CompletableFuture.completedFuture("");
              }
              Partitions partitions = cluster.getPartitions();
              int missing = 0;
              for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
                if (partitions.getMasterBySlot(slot) == null) {
                  missing++;
                }
              }
              if (missing > 0) {
                cluster.refreshPartitionsAsync();
                return CompletableFuture.completedFuture(
                    missing + " of 16384 slots have no known master yet");
              }
              @SuppressWarnings("unchecked")
              StatefulRedisClusterConnection<ByteString, ByteString> nodes =
                  (StatefulRedisClusterConnection<ByteString, ByteString>) connection;
              List<CompletableFuture<String>> states =
                  partitions.stream()
                      .filter(
                          node ->
                              node.is(RedisClusterNode.NodeFlag.UPSTREAM)
                                  && !node.getSlots().isEmpty())
                      .map(
                          node ->
                              nodes
                                  .getConnectionAsync(node.getNodeId())
                                  .thenCompose(c -> c.async().clusterInfo().toCompletableFuture())
                                  .handle(
                                      (info, e) ->
                                          e != null
                                              ? "master "
                                                  + node.getUri().getHost()
                                                  + ":"
                                                  + node.getUri().getPort()
                                                  + " does not answer: "
                                                  + message(e)
                                              : info.contains("cluster_state:ok")
                                                  ? ""
                                                  : "master "
                                                      + node.getUri().getHost()
                                                      + ":"
                                                      + node.getUri().getPort()
                                                      + " reports the cluster down"))
                      .toList();
              return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          states.stream()
                              .map(CompletableFuture::join)
                              .filter(problem -> !problem.isEmpty())
                              .findFirst()
                              .orElse(""));
            });
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
    addressFollower.dispose();
    blockingPool.closeAsync().join();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  /**
   * Closes without blocking the calling thread (a policy change may retire a client on a transport
   * thread).
   */
  public CompletableFuture<Void> closeAsync() {
    addressFollower.dispose();
    return blockingPool
        .closeAsync()
        .thenCompose(ignored -> connection.closeAsync())
        .thenCompose(ignored -> client.shutdownAsync(0, 2, TimeUnit.SECONDS));
  }
}

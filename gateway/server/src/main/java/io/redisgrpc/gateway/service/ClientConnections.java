package io.redisgrpc.gateway.service;

import io.redisgrpc.gateway.metrics.GatewayMetrics;
import io.redisgrpc.gateway.redis.RedisBackend;
import io.redisgrpc.gateway.security.ClientPolicy;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis connections per declared client, opened on the client's first call (without blocking the
 * caller's thread) and reused after that. Each one logs in as the client's own ACL user, so Redis
 * itself refuses keys and commands outside what the operator granted that user. A failed connect is
 * forgotten so the next call tries again; a client that leaves the policy has its connections
 * closed.
 *
 * <p>Without per-client credentials ({@code connector == null}) every client uses the shared
 * connection and the gateway's scoping is the only fence.
 */
public final class ClientConnections implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientConnections.class);

  private final RedisBackend shared;
  private final Function<String, CompletableFuture<RedisBackend>> connector;
  private final RequestLimits limits;
  private final GatewayMetrics metrics;
  private final long commandTimeoutMs;
  private final ConcurrentMap<String, CompletableFuture<RedisBackend>> backends =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Scoped> executors = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * An executor over a client's connection whose key limit leaves room for that client's prefix.
   */
  private record Scoped(RedisBackend backend, String keyPrefix, OperationExecutor executor) {}

  public ClientConnections(
      RedisBackend shared,
      Function<String, CompletableFuture<RedisBackend>> connector,
      RequestLimits limits,
      GatewayMetrics metrics,
      long commandTimeoutMs) {
    this.shared = shared;
    this.connector = connector;
    this.limits = limits;
    this.metrics = metrics;
    this.commandTimeoutMs = commandTimeoutMs;
  }

  /** The client's own connection (the shared one when there are no per-client credentials). */
  public CompletableFuture<RedisBackend> backend(ClientPolicy client) {
    if (connector == null) {
      return CompletableFuture.completedFuture(shared);
    }
    if (closed) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the gateway is shutting down"));
    }
    CompletableFuture<RedisBackend> backend =
        backends.computeIfAbsent(
            client.name(),
            name -> {
              LOG.info("opening Redis connections for client '{}' as ACL user '{}'", name, name);
              try {
                return connector.apply(name);
              } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
              }
            });
    if (backend.isCompletedExceptionally()) {
      backends.remove(client.name(), backend);
    } else {
      backend.whenComplete(
          (ok, error) -> {
            if (error != null) {
              backends.remove(client.name(), backend);
            }
          });
    }
    return backend;
  }

  /** An executor that runs the client's (already scoped) operations on its own connection. */
  public CompletableFuture<OperationExecutor> executor(ClientPolicy client) {
    Scoped scoped = executors.get(client.name());
    String prefix = client.keyPrefix();
    return backend(client)
        .thenApply(
            backend -> {
              if (scoped != null && scoped.backend == backend && scoped.keyPrefix.equals(prefix)) {
                return scoped.executor;
              }
              RequestLimits widened =
                  limits.withKeyAllowance(client.keys().overhead(limits.maxKeyBytes()));
              Scoped fresh =
                  new Scoped(
                      backend,
                      prefix,
                      new OperationExecutor(backend, widened, metrics, commandTimeoutMs));
              executors.put(client.name(), fresh);
              return fresh.executor;
            });
  }

  /** Closes the connections of clients no longer in the policy. */
  public void retain(Set<String> names) {
    for (String name : Set.copyOf(backends.keySet())) {
      if (!names.contains(name)) {
        CompletableFuture<RedisBackend> gone = backends.remove(name);
        executors.remove(name);
        if (gone != null) {
          LOG.info("client '{}' left the policy; closing its Redis connections", name);
          gone.thenAccept(RedisBackend::closeAsync);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    backends.values().forEach(f -> f.thenAccept(RedisBackend::close).exceptionally(e -> null));
    backends.clear();
    executors.clear();
  }
}

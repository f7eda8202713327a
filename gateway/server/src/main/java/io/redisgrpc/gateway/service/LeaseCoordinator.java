package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.redisgrpc.api.v1.AppliedResponse;
import io.redisgrpc.api.v1.FillLeaseRequest;
import io.redisgrpc.api.v1.FillLeaseResponse;
import io.redisgrpc.api.v1.GetOrLeaseRequest;
import io.redisgrpc.api.v1.GetOrLeaseResponse;
import io.redisgrpc.api.v1.GetOrLeaseResponse.Outcome;
import io.redisgrpc.api.v1.ReleaseLeaseRequest;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.GatewayException;
import io.redisgrpc.gateway.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Cache-aside with stampede protection (GetOrLease / FillLease / ReleaseLease).
 *
 * <p>The lease is a Redis key next to the cached key, taken with {@code SET lease token NX PX ttl},
 * so exactly one caller across all gateway replicas wins it. Losers wait on the gateway: per key
 * and per gateway one {@link KeyWatch} polls Redis (GET the key; when still missing, try the lease
 * for the longest-waiting caller) with a backoff from 5 ms to 100 ms, and a fill or release through
 * this gateway wakes it at once. A waiter leaves with WAIT_EXPIRED at its max_wait_ms, or when its
 * call ends (deadline or cancel).
 *
 * <p>The lease key is the cached key plus a suffix, so it shares the key's prefix (and with it the
 * ACL key pattern) and the key's hash tag, if any.
 */
public final class LeaseCoordinator {
  private static final ByteString LEASE_SUFFIX =
      ByteString.copyFrom(":\u0000lease", StandardCharsets.ISO_8859_1);
  private static final String DELETE_IF_EQUAL =
      """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0""";
  private static final long FIRST_POLL_MS = 5;
  private static final long MAX_POLL_MS = 100;

  private final RedisClusterAsyncCommands<ByteString, ByteString> redis;
  private final RequestLimits limits;
  private final GatewayMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final long defaultLeaseTtlMs;
  private final SecureRandom random = new SecureRandom();
  private final Map<ByteString, KeyWatch> watches = new ConcurrentHashMap<>();

  public LeaseCoordinator(
      RedisClusterAsyncCommands<ByteString, ByteString> redis,
      RequestLimits limits,
      GatewayMetrics metrics,
      ScheduledExecutorService scheduler,
      long defaultLeaseTtlMs) {
    this.redis = redis;
    this.limits = limits;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.defaultLeaseTtlMs = defaultLeaseTtlMs;
  }

  public CompletableFuture<GetOrLeaseResponse> getOrLease(
      GetOrLeaseRequest request, Deadline deadline) {
    ByteString key = limits.key(request.getKey());
    long ttl = RequestLimits.duration(request.getLeaseTtlMs(), "lease_ttl_ms");
    long maxWait = RequestLimits.duration(request.getMaxWaitMs(), "max_wait_ms");
    Waiter waiter = new Waiter(ttl == 0 ? defaultLeaseTtlMs : ttl);
    attempt(key, waiter)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                waiter.result.completeExceptionally(error);
              } else if (!done) {
                waitForFill(key, waiter, maxWait, deadline);
              }
            });
    return waiter.result;
  }

  public CompletableFuture<FillLeaseResponse> fill(FillLeaseRequest request) {
    ByteString key = limits.key(request.getKey());
    ByteString value = limits.value(request.getValue());
    ByteString token = token(request.getLeaseToken());
    long ttl = RequestLimits.duration(request.getTtlMs(), "ttl_ms");
    // The value must be stored before the lease goes: a caller that takes the freed lease then
    // re-reads the key and finds the value (see attempt).
    return redis
        .set(key, value, ttl > 0 ? SetArgs.Builder.px(ttl) : new SetArgs())
        .toCompletableFuture()
        .thenCompose(ok -> deleteIfEqual(leaseKey(key), token))
        .thenApply(
            deleted -> {
              wake(key);
              return FillLeaseResponse.newBuilder().setLeaseHeld(deleted == 1L).build();
            });
  }

  public CompletableFuture<AppliedResponse> release(ReleaseLeaseRequest request) {
    ByteString key = limits.key(request.getKey());
    return deleteIfEqual(leaseKey(key), token(request.getLeaseToken()))
        .thenApply(
            deleted -> {
              wake(key);
              return AppliedResponse.newBuilder().setApplied(deleted == 1L).build();
            });
  }

  /** GET; on a miss try the lease. Completes true when the waiter got its answer. */
  private CompletableFuture<Boolean> attempt(ByteString key, Waiter waiter) {
    return redis
        .get(key)
        .toCompletableFuture()
        .thenCompose(
            value -> {
              if (value != null) {
                metrics.lookup(true);
                return CompletableFuture.completedFuture(
                    waiter.complete(
                        GetOrLeaseResponse.newBuilder()
                            .setOutcome(Outcome.HIT)
                            .setValue(value)
                            .build()));
              }
              ByteString token = newToken();
              return redis
                  .set(leaseKey(key), token, SetArgs.Builder.nx().px(waiter.leaseTtlMs))
                  .toCompletableFuture()
                  .thenCompose(
                      ok -> {
                        if (!"OK".equals(ok)) {
                          return CompletableFuture.completedFuture(false);
                        }
                        // A fill may have landed between our GET and our SET NX (it frees the lease
                        // after
                        // storing the value): look again before handing out a lease nobody needs.
                        return redis
                            .get(key)
                            .toCompletableFuture()
                            .thenApply(
                                filled -> {
                                  if (filled != null) {
                                    deleteIfEqual(leaseKey(key), token);
                                    metrics.lookup(true);
                                    waiter.complete(
                                        GetOrLeaseResponse.newBuilder()
                                            .setOutcome(Outcome.HIT)
                                            .setValue(filled)
                                            .build());
                                    return true;
                                  }
                                  return grant(key, waiter, token);
                                });
                      });
            });
  }

  /** Hands the lease to the waiter; if the caller has already left, frees it again at once. */
  private boolean grant(ByteString key, Waiter waiter, ByteString token) {
    metrics.lookup(false);
    boolean delivered =
        waiter.complete(
            GetOrLeaseResponse.newBuilder()
                .setOutcome(Outcome.LEASE_GRANTED)
                .setLeaseToken(token)
                .setLeaseTtlMs(waiter.leaseTtlMs)
                .build());
    if (!delivered) {
      deleteIfEqual(leaseKey(key), token).thenRun(() -> wake(key));
    }
    return true;
  }

  private void waitForFill(ByteString key, Waiter waiter, long maxWaitMs, Deadline deadline) {
    long waitMs = maxWaitMs == 0 ? Long.MAX_VALUE : maxWaitMs;
    if (deadline != null) {
      waitMs = Math.min(waitMs, deadline.timeRemaining(TimeUnit.MILLISECONDS));
    }
    if (waitMs != Long.MAX_VALUE) {
      scheduler.schedule(
          () ->
              waiter.complete(
                  GetOrLeaseResponse.newBuilder().setOutcome(Outcome.WAIT_EXPIRED).build()),
          Math.max(waitMs, 0),
          TimeUnit.MILLISECONDS);
    }
    // Lock order: map bin, then watch. A watch never touches the map while holding its own lock.
    watches.compute(
        key,
        (k, watch) -> {
          if (watch != null && watch.add(waiter)) {
            return watch;
          }
          KeyWatch fresh = new KeyWatch(k);
          fresh.add(waiter);
          return fresh;
        });
  }

  private void wake(ByteString key) {
    KeyWatch watch = watches.get(key);
    if (watch != null) {
      watch.pollNow();
    }
  }

  private CompletableFuture<Long> deleteIfEqual(ByteString key, ByteString token) {
    return redis
        .<Long>eval(DELETE_IF_EQUAL, ScriptOutputType.INTEGER, new ByteString[] {key}, token)
        .toCompletableFuture();
  }

  private ByteString token(ByteString token) {
    if (token.isEmpty()) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST,
          "lease_token must not be empty: pass the token from GetOrLease");
    }
    return token;
  }

  private ByteString newToken() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return ByteString.copyFromUtf8(HexFormat.of().formatHex(bytes));
  }

  static ByteString leaseKey(ByteString key) {
    return key.concat(LEASE_SUFFIX);
  }

  /** One caller of GetOrLease. */
  private static final class Waiter {
    final long leaseTtlMs;
    final CompletableFuture<GetOrLeaseResponse> result = new CompletableFuture<>();

    Waiter(long leaseTtlMs) {
      this.leaseTtlMs = leaseTtlMs;
    }

    boolean complete(GetOrLeaseResponse response) {
      return result.complete(response);
    }

    boolean isDone() {
      return result.isDone();
    }
  }

  /** Callers of one key waiting on this gateway, served by one polling loop. */
  private final class KeyWatch {
    private final ByteString key;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private long nextDelayMs = FIRST_POLL_MS;
    private boolean polling;
    private boolean pollAgain;
    private boolean closed;

    KeyWatch(ByteString key) {
      this.key = key;
    }

    /** False when this watch has already shut down; the caller then starts a new one. */
    synchronized boolean add(Waiter waiter) {
      if (closed) {
        return false;
      }
      waiters.add(waiter);
      if (!polling) {
        polling = true;
        schedule(FIRST_POLL_MS);
      }
      return true;
    }

    synchronized void pollNow() {
      nextDelayMs = FIRST_POLL_MS;
      if (closed) {
        return;
      }
      if (polling) {
        pollAgain = true;
      } else if (!waiters.isEmpty()) {
        polling = true;
        scheduler.execute(this::poll);
      }
    }

    private void schedule(long delayMs) {
      scheduler.schedule(this::poll, delayMs, TimeUnit.MILLISECONDS);
    }

    private void poll() {
      Waiter head;
      synchronized (this) {
        waiters.removeIf(Waiter::isDone);
        head = waiters.peekFirst();
        if (head == null) {
          closed = true;
        }
        pollAgain = false;
      }
      if (head == null) {
        watches.remove(key, this);
        return;
      }
      redis
          .get(key)
          .toCompletableFuture()
          .thenCompose(
              value -> {
                if (value != null) {
                  GetOrLeaseResponse hit =
                      GetOrLeaseResponse.newBuilder()
                          .setOutcome(Outcome.HIT)
                          .setValue(value)
                          .build();
                  synchronized (this) {
                    waiters.forEach(
                        w -> {
                          if (w.complete(hit)) {
                            metrics.lookup(true);
                          }
                        });
                    waiters.clear();
                  }
                  return CompletableFuture.completedFuture(true);
                }
                return attempt(key, head);
              })
          .whenComplete(
              (done, error) -> {
                synchronized (this) {
                  if (error == null && Boolean.TRUE.equals(done)) {
                    waiters.remove(head);
                    nextDelayMs = FIRST_POLL_MS;
                  } else {
                    nextDelayMs = Math.min(MAX_POLL_MS, nextDelayMs * 2);
                  }
                  waiters.removeIf(Waiter::isDone);
                  if (!waiters.isEmpty()) {
                    schedule(pollAgain ? 0 : nextDelayMs);
                    return;
                  }
                  closed = true;
                }
                watches.remove(key, this);
              });
    }
  }
}

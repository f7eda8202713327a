package io.redisgrpc.operator.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cluster mode: drained pods go only after they have stayed drained for a while. A drained master
 * still answers MOVED for the slots it gave away, so a client whose slot map is stale is
 * redirected. Once its pod is gone, the same client waits on an address that no longer answers
 * until its deadline. Clients refresh their slot map on a redirect only so often (the gateway: once
 * per 500 ms) and otherwise periodically, so the last slots moved can stay stale until the next
 * periodic refresh (the gateway's default: every 5 s). The hold covers two of those.
 *
 * <p>Kept in memory: an operator that restarts during a hold starts it again, which only delays the
 * scale-down. No I/O; the caller passes the time.
 */
public final class ScaleDownHold {
  /**
   * Two periodic topology refreshes of the gateway ({@code --topology-refresh-ms}, default 5000).
   */
  public static final Duration CLIENT_TOPOLOGY_SETTLE = Duration.ofSeconds(10);

  private final Duration hold;
  private final Map<String, Instant> drainedSince = new ConcurrentHashMap<>();

  public ScaleDownHold(Duration hold) {
    this.hold = hold;
  }

  /**
   * @param cache the cache's identity (its uid)
   * @param drained the leaving pods were found drained in this round
   * @return empty when the leaving pods may go now; otherwise how long they must still stay
   */
  public Optional<Duration> remaining(String cache, boolean drained, Instant now) {
    if (!drained) {
      drainedSince.remove(cache);
      return Optional.of(hold);
    }
    Instant since = drainedSince.computeIfAbsent(cache, key -> now);
    Duration left = Duration.between(now, since.plus(hold));
    if (left.isNegative() || left.isZero()) {
      drainedSince.remove(cache);
      return Optional.empty();
    }
    return Optional.of(left);
  }
}

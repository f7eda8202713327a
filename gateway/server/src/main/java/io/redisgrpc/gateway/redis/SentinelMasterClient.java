package io.redisgrpc.gateway.redis;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinel mode's client: a connection serves only while the node at its other end is a master.
 *
 * <p>Why: Lettuce looks the master up at the sentinels on every reconnect, but when no sentinel
 * answers (every pod restarted at once, so the sentinels are restarting too) it reconnects to the
 * address it had, the old master's. That pod may have come back as a replica; the connection then
 * opens, PING answers, and every write is refused with READONLY for as long as the connection
 * lives, which is for good, since Sentinel closes the clients only of an instance it reconfigures
 * itself (the project CI, and 1 of 3 node runs of the full restart, stayed there for minutes). So
 * each connection asks the node for its role as soon as it is up ({@code INFO replication}: every
 * service user may run INFO, none may run ROLE) and, after a short delay, drops the link of one
 * that is not a master. Lettuce's watchdog then reconnects and asks the sentinels again, until one
 * names a master, and calls meanwhile fail UNAVAILABLE as during any failover.
 */
final class SentinelMasterClient extends RedisClient {
  private static final Logger LOG = LoggerFactory.getLogger(SentinelMasterClient.class);

  SentinelMasterClient(ClientResources resources) {
    super(resources, new RedisURI());
  }

  @Override
  protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(
      RedisChannelWriter writer, PushHandler endpoint, RedisCodec<K, V> codec, Duration timeout) {
    if (!(endpoint instanceof DefaultEndpoint link)) {
      return super.newStatefulRedisConnection(writer, endpoint, codec, timeout);
    }
    return new StatefulRedisConnectionImpl<>(
        writer, endpoint, codec, timeout, getOptions().getJsonParser()) {
      /** Activations in a row that found a node other than the master. */
      private final AtomicInteger misses = new AtomicInteger();

      /** Counts activations, so a delayed drop never hits a later link. */
      private final AtomicInteger activations = new AtomicInteger();

      @Override
      public void activated() {
        super.activated();
        int activation = activations.incrementAndGet();
        // Sent while Lettuce activates the connection, so it goes out ahead of the commands
        // buffered while disconnected; those may still meet the replica and fail READONLY.
        async()
            .info("replication")
            .whenComplete(
                (info, error) -> {
                  if (info == null) {
                    return; // the link dropped again, or timed out: the next activation asks
                  }
                  if (isMaster(info)) {
                    int missed = misses.getAndSet(0);
                    if (missed > 0) {
                      LOG.info("on the master again after {} connections to another node", missed);
                    }
                    return;
                  }
                  int missed = misses.incrementAndGet();
                  long delayMs = retryDelayMillis(missed);
                  if (missed == 1) {
                    LOG.warn(
                        "connected to a node that is not the master ({}): reconnecting in {} ms to"
                            + " ask the sentinels again, until they name a master",
                        roleLine(info),
                        delayMs);
                  }
                  getResources()
                      .eventExecutorGroup()
                      .schedule(
                          () -> {
                            if (activations.get() == activation) {
                              link.disconnect();
                            }
                          },
                          delayMs,
                          TimeUnit.MILLISECONDS);
                });
      }
    };
  }

  /**
   * How long a connection stays on a node that is not the master before it reconnects: not at once,
   * since the sentinels may be unreachable for seconds (they restart too) and each attempt would
   * land on the same node; 100 ms doubling up to 1 s. Meanwhile writes fail UNAVAILABLE (READONLY),
   * as while no master is known.
   */
  static long retryDelayMillis(int missesInARow) {
    return Math.min(1_000L, 100L << Math.min(missesInARow - 1, 4));
  }

  /** Whether an {@code INFO replication} answer comes from a master. */
  static boolean isMaster(String info) {
    return info.lines().anyMatch(line -> line.strip().equals("role:master"));
  }

  private static String roleLine(String info) {
    return info.lines()
        .map(String::strip)
        .filter(line -> line.startsWith("role:"))
        .findFirst()
        .orElse("no role line");
  }
}

package io.redisgrpc.operator.redis.sentinel;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.redisgrpc.operator.redis.RedisTls;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Learns the current master from the sentinels themselves: the operator never assumes pod 0.
 *
 * <p>Every sentinel is asked; the answer given by a majority of <em>all</em> sentinels wins. With
 * no majority (a split, or too many sentinels down) there is no answer, and the caller leaves the
 * master Service where it is rather than point it at a guess.
 */
public final class SentinelMasterDiscovery implements AutoCloseable {
  /** A sentinel to ask. */
  public record Sentinel(String host, int port) {}

  /** The agreed master and how many sentinels answered at all. */
  public record Answer(Optional<String> master, int answered, Map<String, Integer> votes) {}

  private final RedisClient client;

  private final Optional<RedisTls> tls;

  public SentinelMasterDiscovery(ClientResources resources) {
    this(resources, Optional.empty());
  }

  public SentinelMasterDiscovery(ClientResources resources, Optional<RedisTls> tls) {
    this.client = RedisClient.create(resources);
    this.tls = tls;
    tls.ifPresent(t -> client.setOptions(t.clientOptions()));
  }

  public Answer discover(List<Sentinel> sentinels, String masterName) {
    Map<String, Integer> votes = new LinkedHashMap<>();
    int answered = 0;
    for (Sentinel sentinel : sentinels) {
      RedisURI.Builder builder =
          RedisURI.builder()
              .withHost(sentinel.host())
              .withPort(sentinel.port())
              .withTimeout(Duration.ofSeconds(2));
      RedisURI uri = tls.map(t -> t.secure(builder)).orElse(builder).build();
      try (StatefulRedisSentinelConnection<String, String> connection =
          client.connectSentinel(uri)) {
        SocketAddress address = connection.sync().getMasterAddrByName(masterName);
        answered++;
        if (address instanceof InetSocketAddress inet) {
          votes.merge(inet.getHostString() + ":" + inet.getPort(), 1, Integer::sum);
        }
      } catch (RedisException e) {
        // A sentinel that is down or does not know the master casts no vote.
      }
    }
    return new Answer(majority(votes, sentinels.size()), answered, votes);
  }

  /**
   * The master named by more than half of {@code sentinels} (all of them, not only those that
   * answered). Pure.
   */
  public static Optional<String> majority(Map<String, Integer> votes, int sentinels) {
    int majority = sentinels / 2 + 1;
    return votes.entrySet().stream()
        .filter(e -> e.getValue() >= majority)
        .map(Map.Entry::getKey)
        .findFirst();
  }

  @Override
  public void close() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}

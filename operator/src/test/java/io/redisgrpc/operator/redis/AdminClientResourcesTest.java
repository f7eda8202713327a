package io.redisgrpc.operator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin rounds create and shut down their own clients; the event loop group they share must outlive
 * each of them (a terminated group failed connections of other rounds in CI).
 */
@Integration
class AdminClientResourcesTest {

  @Test
  void theEventLoopGroupOutlivesEveryRoundsClient(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start();
        AdminClientResources resources = new AdminClientResources()) {
      RedisURI uri =
          RedisURI.builder()
              .withHost("127.0.0.1")
              .withPort(redis.port())
              .withTimeout(Duration.ofSeconds(5))
              .build();
      for (int round = 0; round < 3; round++) {
        RedisClient client = RedisClient.create(resources.get());
        try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
          assertThat(connection.sync().ping()).isEqualTo("PONG");
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        assertThat(resources.eventLoopGroup().isShuttingDown())
            .as("group shut down after round %s's client", round)
            .isFalse();
      }
    }
  }
}

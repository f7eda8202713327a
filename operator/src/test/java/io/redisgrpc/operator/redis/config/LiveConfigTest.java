package io.redisgrpc.operator.redis.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.redisgrpc.operator.crd.EvictionPolicy;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Caches;
import io.redisgrpc.operator.model.RedisConfig;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONFIG SET of the live directives on a real redis-server: applied without a restart, idempotent.
 */
@Integration
class LiveConfigTest {

  @Test
  void appliesOnlyWhatDiffersAndTheProcessKeepsRunning(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      RedisGrpcCache cache = Caches.of("live", RedisMode.Cluster);
      cache.getSpec().redis.memory.maxmemory = new Quantity("64Mi");
      cache.getSpec().redis.memory.evictionPolicy = EvictionPolicy.ALLKEYS_LFU;
      cache.getSpec().redis.memory.lfuLogFactor = 20;
      Map<String, String> desired = LiveConfig.directives(RedisConfig.live(cache.getSpec().redis));
      assertThat(desired)
          .containsEntry("maxmemory", "67108864")
          .containsEntry("maxmemory-policy", "allkeys-lfu");

      String pidBefore =
          RedisNodes.parseInfo(RedisNodes.withNode(redis.port(), c -> c.info("server")))
              .get("process_id");
      Map<String, String> changed =
          RedisNodes.withNode(redis.port(), c -> LiveConfig.apply(c, desired));
      assertThat(changed)
          .containsKeys("maxmemory", "maxmemory-policy", "lfu-log-factor")
          .doesNotContainKey("lfu-decay-time");
      Map<String, String> policy =
          RedisNodes.withNode(redis.port(), c -> c.configGet("maxmemory-policy"));
      boolean applied = RedisNodes.withNode(redis.port(), c -> LiveConfig.isApplied(c, desired));
      assertThat(policy).containsEntry("maxmemory-policy", "allkeys-lfu");
      assertThat(applied).isTrue();

      Map<String, String> again =
          RedisNodes.withNode(redis.port(), c -> LiveConfig.apply(c, desired));
      assertThat(again).as("an unchanged spec sends no CONFIG SET").isEmpty();
      String pidAfter =
          RedisNodes.parseInfo(RedisNodes.withNode(redis.port(), c -> c.info("server")))
              .get("process_id");
      assertThat(pidAfter).as("no restart").isEqualTo(pidBefore);
    }
  }
}

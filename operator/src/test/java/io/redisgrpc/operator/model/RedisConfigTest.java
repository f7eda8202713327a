package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.redisgrpc.operator.crd.EvictionPolicy;
import io.redisgrpc.operator.crd.MemorySpec;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.RedisSpec;
import io.redisgrpc.operator.crd.SentinelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisConfigTest {

  @Test
  void clusterModeEnablesClusterAndPureCacheDisablesPersistence() {
    String conf = RedisConfig.redisConf(Caches.of("orders", RedisMode.Cluster));
    assertThat(conf)
        .contains(
            "cluster-enabled yes",
            "cluster-config-file /data/nodes.conf",
            "save \"\"",
            "appendonly no",
            "maxmemory-policy allkeys-lru",
            "lfu-log-factor 10",
            "lfu-decay-time 1");
    assertThat(RedisConfig.redisConf(Caches.of("s", RedisMode.Sentinel)))
        .doesNotContain("cluster-enabled");
  }

  @Test
  void persistenceModes() {
    RedisGrpcCache cache = Caches.of("p", RedisMode.Cluster);
    cache.getSpec().redis.persistence.mode = PersistenceMode.RDBAndAOF;
    assertThat(RedisConfig.redisConf(cache))
        .contains("save 3600 1 300 100 60 10000", "appendonly yes", "appendfsync everysec");
    cache.getSpec().redis.persistence.mode = PersistenceMode.AOF;
    assertThat(RedisConfig.redisConf(cache)).contains("save \"\"", "appendonly yes");
  }

  @Test
  void liveSettingsDoNotChangeTheRestartHashButRestartSettingsDo() {
    RedisGrpcCache cache = Caches.of("h", RedisMode.Cluster);
    String hash = RedisWorkloads.restartHash(cache);
    cache.getSpec().redis.memory.evictionPolicy = EvictionPolicy.VOLATILE_TTL;
    cache.getSpec().redis.memory.lfuLogFactor = 20;
    cache.getSpec().redis.memory.maxmemory = new Quantity("100Mi");
    assertThat(RedisWorkloads.restartHash(cache)).isEqualTo(hash);
    cache.getSpec().redis.persistence.mode = PersistenceMode.RDB;
    assertThat(RedisWorkloads.restartHash(cache)).isNotEqualTo(hash);
  }

  @Test
  void maxmemoryFromAbsoluteValueRatioOrDefaultRatio() {
    var limit =
        new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build();
    MemorySpec memory = new MemorySpec();
    assertThat(MemoryPlan.maxmemoryBytes(memory, limit)).isEqualTo(805_306_368L);
    memory.maxmemoryRatio = 0.5;
    assertThat(MemoryPlan.maxmemoryBytes(memory, limit)).isEqualTo(536_870_912L);
    memory.maxmemoryRatio = null;
    memory.maxmemory = new Quantity("300Mi");
    assertThat(MemoryPlan.maxmemoryBytes(memory, limit)).isEqualTo(314_572_800L);
  }

  @Test
  void withoutAMemoryLimitMaxmemoryIsARatioOfTheRequestNeverUnbounded() {
    RedisGrpcCache cache = Caches.of("m", RedisMode.Cluster);
    RedisSpec redis = cache.getSpec().redis;
    redis.resources = null;
    // 0.75 of the default request (128Mi), which the container gets as well.
    assertThat(MemoryPlan.maxmemoryBytes(redis)).isEqualTo(100_663_296L);
    assertThat(RedisConfig.live(redis)).contains("maxmemory 100663296");
    assertThat(MemoryPlan.redisResources(redis).getRequests())
        .containsEntry("memory", new Quantity("128Mi"));
    redis.resources =
        new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("2Gi")).build();
    assertThat(MemoryPlan.maxmemoryBytes(redis)).isEqualTo(1_610_612_736L);
    redis.resources.setLimits(Map.of("memory", new Quantity("4Gi")));
    assertThat(MemoryPlan.maxmemoryBytes(redis))
        .as("the limit, when there is one")
        .isEqualTo(3_221_225_472L);
  }

  @Test
  void sentinelConfigMonitorsPodZeroByStableNameWithTheQuorum() {
    RedisGrpcCache cache = Caches.of("sess", RedisMode.Sentinel);
    cache.getSpec().redis.sentinel = new SentinelSpec();
    cache.getSpec().redis.sentinel.quorum = 2;
    assertThat(RedisConfig.sentinelConf(cache))
        .contains(
            "sentinel monitor mymaster sess-redis-0.sess-redis-headless.shop.svc 6379 2",
            "sentinel resolve-hostnames yes");
    assertThat(RedisConfig.sentinelModeStartScript(cache))
        .contains(
            "sentinel get-master-addr-by-name mymaster",
            "--replicaof $master",
            "sess-redis-0.sess-redis-headless.shop.svc 6379");
  }
}

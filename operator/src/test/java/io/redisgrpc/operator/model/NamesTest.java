package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.redisgrpc.operator.crd.NameLimits;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.SentinelSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The longest cache names the CRD admits (NameLimits.MAX_NAME_LENGTH_*) are exactly the longest
 * whose objects Kubernetes accepts: every StatefulSet within 52 characters, every Service a DNS
 * label.
 */
class NamesTest {
  static final int DNS_LABEL = 63;

  @Test
  void clusterModeLimitIsTheLongestNameThatFits() {
    assertThat(fits(RedisMode.Cluster, NameLimits.MAX_NAME_LENGTH_CLUSTER)).isTrue();
    assertThat(fits(RedisMode.Cluster, NameLimits.MAX_NAME_LENGTH_CLUSTER + 1)).isFalse();
  }

  @Test
  void sentinelModeLimitIsTheLongestNameThatFits() {
    assertThat(fits(RedisMode.Sentinel, NameLimits.MAX_NAME_LENGTH_SENTINEL)).isTrue();
    assertThat(fits(RedisMode.Sentinel, NameLimits.MAX_NAME_LENGTH_SENTINEL + 1)).isFalse();
  }

  @Test
  void podLabelsFitAtTheLimit() {
    // statefulset.kubernetes.io/pod-name: <statefulset>-<ordinal>; at most 100 shards x 6 pods.
    RedisGrpcCache cache = cache(RedisMode.Cluster, NameLimits.MAX_NAME_LENGTH_CLUSTER);
    assertThat(RedisWorkloads.redis(cache).getMetadata().getName() + "-599")
        .hasSizeLessThanOrEqualTo(DNS_LABEL);
    assertThat(cache.getMetadata().getName()).hasSizeLessThanOrEqualTo(DNS_LABEL);
  }

  private static boolean fits(RedisMode mode, int length) {
    RedisGrpcCache cache = cache(mode, length);
    List<StatefulSet> statefulSets = new ArrayList<>(List.of(RedisWorkloads.redis(cache)));
    List<String> services =
        new ArrayList<>(
            List.of(Names.redis(cache), Names.redisHeadless(cache), Names.gateway(cache)));
    if (mode == RedisMode.Sentinel) {
      statefulSets.add(RedisWorkloads.sentinel(cache));
      services.addAll(
          List.of(Names.sentinel(cache), Names.sentinelHeadless(cache), Names.redisMaster(cache)));
    }
    return statefulSets.stream()
            .allMatch(
                set ->
                    set.getMetadata().getName().length() <= NameLimits.MAX_STATEFULSET_NAME_LENGTH)
        && services.stream().allMatch(service -> service.length() <= DNS_LABEL);
  }

  private static RedisGrpcCache cache(RedisMode mode, int length) {
    RedisGrpcCache cache = Caches.of("n".repeat(length), mode);
    if (mode == RedisMode.Sentinel) {
      cache.getSpec().redis.sentinel = new SentinelSpec();
    }
    return cache;
  }
}

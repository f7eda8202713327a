package io.redisgrpc.operator.lifecycle;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a cache's Redis nodes and sentinels can be reached right now, and which CAs to trust there.
 * In a cluster this comes from the pods ({@link PodEndpoints}); tests on a machine without a
 * kubelet hand in the addresses of the redis-server processes that stand in for the pods.
 */
public interface RedisEndpoints {

  /**
   * @param nodes ready data pods, in ordinal order
   * @param complete every desired data pod is in {@code nodes} (cluster formation waits for it)
   * @param sentinels ready sentinel pods
   * @param aliases every "host:port" a data pod is known by, to its ordinal
   * @param trustBundle with TLS on: the CA certificates the pods' certificates chain to (the
   *     trust-bundle ConfigMap, from the informer cache)
   */
  record Topology(
      List<Endpoint> nodes,
      boolean complete,
      List<Sentinel> sentinels,
      Map<String, Integer> aliases,
      Optional<String> trustBundle) {
    public static Topology none() {
      return new Topology(List.of(), false, List.of(), Map.of(), Optional.empty());
    }
  }

  Topology resolve(RedisGrpcCache cache, Context<RedisGrpcCache> context);
}

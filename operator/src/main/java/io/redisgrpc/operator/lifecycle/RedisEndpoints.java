package io.redisgrpc.operator.lifecycle;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.redis.cluster.ClusterFormation.Endpoint;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.util.List;
import java.util.Map;

/**
 * Where a cache's Redis nodes and sentinels can be reached right now. In a cluster this comes
 * from the pods ({@link PodEndpoints}); tests on a machine without a kubelet hand in the
 * addresses of the redis-server processes that stand in for the pods.
 */
public interface RedisEndpoints {

  /**
   * @param nodes ready data pods, in ordinal order
   * @param complete every desired data pod is in {@code nodes} (cluster formation waits for it)
   * @param sentinels ready sentinel pods
   * @param aliases every "host:port" a data pod is known by, to its ordinal
   */
  record Topology(List<Endpoint> nodes, boolean complete, List<Sentinel> sentinels, Map<String, Integer> aliases) {
    public static Topology none() {
      return new Topology(List.of(), false, List.of(), Map.of());
    }
  }

  Topology resolve(RedisGrpcCache cache, Context<RedisGrpcCache> context);
}

package io.redisgrpc.operator.crd;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

public class RedisGrpcCacheStatus {
  public Long observedGeneration;
  public List<Condition> conditions = new ArrayList<>();
  public RedisStatus redis = new RedisStatus();
  public GatewayStatus gateway = new GatewayStatus();

  public static class RedisStatus {
    public Integer readyPods;
    public Integer desiredPods;
    /** "ready/desired", for kubectl get. */
    public String summary;

    @Override
    public boolean equals(Object o) {
      return o instanceof RedisStatus r && Objects.equals(readyPods, r.readyPods) && Objects.equals(desiredPods, r.desiredPods)
          && Objects.equals(summary, r.summary);
    }

    @Override
    public int hashCode() {
      return Objects.hash(readyPods, desiredPods, summary);
    }
  }

  public static class GatewayStatus {
    public Integer readyReplicas;
    public Integer desiredReplicas;
    public String summary;
    /** host:port of the gateway Service inside the cluster. */
    public String endpoint;

    @Override
    public boolean equals(Object o) {
      return o instanceof GatewayStatus g && Objects.equals(readyReplicas, g.readyReplicas)
          && Objects.equals(desiredReplicas, g.desiredReplicas) && Objects.equals(summary, g.summary) && Objects.equals(endpoint, g.endpoint);
    }

    @Override
    public int hashCode() {
      return Objects.hash(readyReplicas, desiredReplicas, summary, endpoint);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RedisGrpcCacheStatus s && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions) && Objects.equals(redis, s.redis) && Objects.equals(gateway, s.gateway);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, redis, gateway);
  }
}

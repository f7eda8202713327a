package io.redisgrpc.operator.crd;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** The observed state of a cache. Compared by its serialized form (see StatusAggregator#same). */
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
  }

  public static class GatewayStatus {
    public Integer readyReplicas;
    public Integer desiredReplicas;
    public String summary;
    /** host:port of the gateway Service inside the cluster. */
    public String endpoint;
  }
}

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
  /** One entry per spec.auth.clients entry: where its client certificate is (with TLS on). */
  public List<ClientStatus> clients = new ArrayList<>();

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

  public static class ClientStatus {
    public String name;
    /** Secret (tls.crt, tls.key, ca.crt) the application mounts; set when spec.tls.enabled. */
    public String certificateSecret;
  }
}

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
  public CredentialsStatus credentials;

  /** One entry per spec.auth.clients entry: where its client certificate is (with TLS on). */
  public List<ClientStatus> clients = new ArrayList<>();

  public static class RedisStatus {
    public Integer readyPods;
    public Integer desiredPods;

    /** "ready/desired", for kubectl get. */
    public String summary;

    /** Data nodes the operator reached in its last look, of those ready. */
    public Integer nodesReached;

    /**
     * Sentinel mode: the pod a majority of sentinels names master (what {@code <name>-master}
     * selects).
     */
    public String master;

    /** Cluster mode: slots owned by some master, of 16384. */
    public Integer slotsAssigned;

    /** Cluster mode: masters owning slots. */
    public Integer masters;

    /** Cluster mode: fewest replicas any master has. */
    public Integer minReplicasPerMaster;

    /** Cluster mode: every node reports cluster_state:ok and every replica's link is up. */
    public Boolean clusterFormed;

    /** Hash of the live directives (maxmemory, policy, LFU) the spec asks for. */
    public String liveConfigHash;

    /** Every node runs the live directives of {@link #liveConfigHash}, applied without restarts. */
    public Boolean liveConfigApplied;

    /** Every node has exactly the desired ACL users. */
    public Boolean aclInSync;
  }

  /** The state of the credential rotation (persisted on the credentials Secret; mirrored here). */
  public static class CredentialsStatus {
    /** Password generation in use or being introduced. */
    public Long generation;

    /** Idle, Prepare, Trust, Use or Retire. */
    public String phase;

    public String phaseSince;
    public String lastRotationTime;
    public String nextRotationTime;
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

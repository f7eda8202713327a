package io.redisgrpc.operator.crd;

/**
 * The longest names the CRD admits: a cache's name begins the names of its StatefulSets and
 * Services (model.Names), and Kubernetes limits those.
 */
public final class NameLimits {
  /**
   * Longest StatefulSet name whose pods can be created: the StatefulSet controller labels each pod
   * {@code controller-revision-hash: <statefulset>-<hash>}, the hash has up to 10 characters and a
   * label value at most 63 (kubernetes/kubernetes#64023).
   */
  public static final int MAX_STATEFULSET_NAME_LENGTH = 52;

  /**
   * Longest cache name in mode Cluster: {@code Names.redis} ({@code -redis}) within {@link
   * #MAX_STATEFULSET_NAME_LENGTH}; every Service name is shorter than 63 then. The CRD refuses
   * longer names (RedisGrpcCache); NamesTest checks both numbers against the names model.Names
   * gives.
   */
  public static final int MAX_NAME_LENGTH_CLUSTER = 46;

  /**
   * Longest cache name in mode Sentinel: {@code Names.sentinel} ({@code -sentinel}) within {@link
   * #MAX_STATEFULSET_NAME_LENGTH}.
   */
  public static final int MAX_NAME_LENGTH_SENTINEL = 43;

  private NameLimits() {}
}

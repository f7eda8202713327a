package io.redisgrpc.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.Optional;

/**
 * What the reconciler learns in a reconciliation and the dependents' desired() needs, passed
 * through JOSDK's workflow context. JOSDK keys that context by strings; this class is the one place
 * that knows the keys and their types.
 */
public final class WorkflowValues {
  private static final String MASTER_POD = "redis-master-pod";
  private static final String REDIS_REPLICAS = "redis-replicas";

  private WorkflowValues() {}

  /** Sentinel mode: the pod the sentinels name master, as discovered this reconciliation. */
  public static void masterPod(Context<RedisGrpcCache> context, String pod) {
    context.managedWorkflowAndDependentResourceContext().put(MASTER_POD, pod);
  }

  static Optional<String> masterPod(Context<RedisGrpcCache> context) {
    return context.managedWorkflowAndDependentResourceContext().get(MASTER_POD, String.class);
  }

  /**
   * The Redis pods to keep running although the spec asks for fewer: a scale-down whose leaving
   * pods still hold slots. Not set: the spec's count.
   */
  public static void holdRedisReplicas(Context<RedisGrpcCache> context, int replicas) {
    context.managedWorkflowAndDependentResourceContext().put(REDIS_REPLICAS, replicas);
  }

  static Optional<Integer> heldRedisReplicas(Context<RedisGrpcCache> context) {
    return context.managedWorkflowAndDependentResourceContext().get(REDIS_REPLICAS, Integer.class);
  }
}

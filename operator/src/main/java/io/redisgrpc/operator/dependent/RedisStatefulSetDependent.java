package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** The Redis data pods: cluster nodes, or the Sentinel-mode master and replicas. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisStatefulSetDependent
    extends CRUDKubernetesDependentResource<StatefulSet, RedisGrpcCache> {
  public RedisStatefulSetDependent() {
    super(StatefulSet.class);
  }

  @Override
  protected StatefulSet desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    StatefulSet set = RedisWorkloads.redis(cache);
    WorkflowValues.heldRedisReplicas(context).ifPresent(set.getSpec()::setReplicas);
    return set;
  }
}

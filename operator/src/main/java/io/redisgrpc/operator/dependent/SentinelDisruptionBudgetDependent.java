package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** At most one sentinel voluntarily down at a time, so the quorum survives drains. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class SentinelDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, RedisGrpcCache> {
  public SentinelDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Policies.disruptionBudget(cache, Names.sentinel(cache), Labels.SENTINEL);
  }
}

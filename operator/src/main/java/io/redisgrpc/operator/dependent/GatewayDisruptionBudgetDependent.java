package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** At most one gateway pod voluntarily down at a time. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, RedisGrpcCache> {
  public GatewayDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Policies.disruptionBudget(cache, Names.gateway(cache), Labels.GATEWAY);
  }
}

package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** CPU-based autoscaling of the gateway (only with spec.gateway.autoscaling). */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayAutoscalerDependent
    extends CRUDKubernetesDependentResource<HorizontalPodAutoscaler, RedisGrpcCache> {
  public GatewayAutoscalerDependent() {
    super(HorizontalPodAutoscaler.class);
  }

  @Override
  protected HorizontalPodAutoscaler desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return GatewayWorkloads.autoscaler(cache);
  }
}

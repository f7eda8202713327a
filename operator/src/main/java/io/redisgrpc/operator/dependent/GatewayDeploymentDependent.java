package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** The gRPC gateway pods. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, RedisGrpcCache> {
  public GatewayDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return GatewayWorkloads.deployment(cache);
  }
}

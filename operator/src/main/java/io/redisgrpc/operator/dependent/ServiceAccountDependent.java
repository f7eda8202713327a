package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;

/** The cache's pods run as this account; it mounts no API token (they never call the API). */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class ServiceAccountDependent
    extends CRUDKubernetesDependentResource<ServiceAccount, RedisGrpcCache> {
  public ServiceAccountDependent() {
    super(ServiceAccount.class);
  }

  @Override
  protected ServiceAccount desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return new ServiceAccountBuilder()
        .withMetadata(Meta.of(cache, Names.serviceAccount(cache), Labels.of(cache)))
        .withAutomountServiceAccountToken(false)
        .build();
  }
}

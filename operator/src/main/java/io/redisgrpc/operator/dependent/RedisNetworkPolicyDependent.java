package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.*;

/** Only the gateway, the cache's own pods and the operator reach Redis and the sentinels. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisNetworkPolicyDependent
    extends CRUDKubernetesDependentResource<NetworkPolicy, RedisGrpcCache> {
  public RedisNetworkPolicyDependent() {
    super(NetworkPolicy.class);
  }

  @Override
  protected NetworkPolicy desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Policies.redisNetworkPolicy(cache);
  }
}

package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.GatewayPolicy;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import java.util.Map;

/**
 * The gateway's policy file; the gateway reloads it when it changes, so clients change without a
 * restart.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayPolicyDependent
    extends CRUDKubernetesDependentResource<ConfigMap, RedisGrpcCache> {
  public GatewayPolicyDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return new ConfigMapBuilder()
        .withMetadata(Meta.of(cache, Names.gatewayPolicy(cache), Labels.of(cache, Labels.GATEWAY)))
        .withData(Map.of(GatewayPolicy.FILE, GatewayPolicy.render(cache)))
        .build();
  }
}

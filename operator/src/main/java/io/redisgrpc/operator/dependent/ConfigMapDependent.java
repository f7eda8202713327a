package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.RedisConfig;

/**
 * redis.conf, the data pods' preStop script, and in Sentinel mode sentinel.conf and their start
 * script.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, RedisGrpcCache> {
  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return new ConfigMapBuilder()
        .withMetadata(Meta.of(cache, Names.config(cache), Labels.of(cache)))
        .withData(RedisConfig.configFiles(cache))
        .build();
  }
}

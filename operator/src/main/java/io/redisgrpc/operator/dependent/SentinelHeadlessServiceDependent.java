package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import java.util.List;

/** Stable DNS names for the sentinel pods (they announce hostnames to each other). */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class SentinelHeadlessServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  public SentinelHeadlessServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Services.headless(
        cache,
        Names.sentinelHeadless(cache),
        Labels.SENTINEL,
        List.of(Services.port("sentinel", Names.SENTINEL_PORT, "sentinel")));
  }
}

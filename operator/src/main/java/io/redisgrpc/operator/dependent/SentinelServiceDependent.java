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

/** The sentinels behind one name: the gateway and restarting data pods ask it for the master. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class SentinelServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  public SentinelServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Services.clusterIp(
        cache,
        Names.sentinel(cache),
        Labels.SENTINEL,
        "ClusterIP",
        List.of(Services.port("sentinel", Names.SENTINEL_PORT, "sentinel")));
  }
}

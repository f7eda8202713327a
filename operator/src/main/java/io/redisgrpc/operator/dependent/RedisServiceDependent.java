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

/** The client Service of the Redis pods: the gateway's cluster seed. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  public RedisServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return Services.clusterIp(
        cache,
        Names.redis(cache),
        Labels.REDIS,
        "ClusterIP",
        List.of(Services.port("redis", Names.REDIS_PORT, "redis")));
  }
}

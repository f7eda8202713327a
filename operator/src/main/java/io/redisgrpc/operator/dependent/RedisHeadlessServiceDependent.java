package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import java.util.ArrayList;
import java.util.List;

/** Stable per-pod DNS names for the Redis StatefulSet (peers, the cluster bus, the operator). */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisHeadlessServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  public RedisHeadlessServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    List<ServicePort> ports =
        new ArrayList<>(List.of(Services.port("redis", Names.REDIS_PORT, "redis")));
    if (cache.getSpec().redis.mode == RedisMode.Cluster) {
      ports.add(Services.port("cluster-bus", Names.CLUSTER_BUS_PORT, "cluster-bus"));
    }
    return Services.headless(cache, Names.redisHeadless(cache), Labels.REDIS, ports);
  }
}

package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.GatewaySpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import java.util.List;

/** What applications connect to: the gateway's gRPC port. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  public GatewayServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    GatewaySpec.GatewayServiceSpec service = cache.getSpec().gateway.service;
    return Services.clusterIp(
        cache,
        Names.gateway(cache),
        Labels.GATEWAY,
        service.type.name(),
        List.of(Services.port("grpc", service.port, "grpc")));
  }
}

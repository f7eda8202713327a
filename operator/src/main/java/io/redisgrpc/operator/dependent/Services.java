package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import java.util.List;

/** Service shapes shared by the Service dependents. */
final class Services {
  private Services() {}

  static ServicePort port(String name, int port, String targetPort) {
    return new ServicePortBuilder()
        .withName(name)
        .withPort(port)
        .withTargetPort(new IntOrString(targetPort))
        .withProtocol("TCP")
        .build();
  }

  /** A headless Service giving each StatefulSet pod a stable DNS name, ready or not. */
  static Service headless(
      RedisGrpcCache cache, String name, String component, List<ServicePort> ports) {
    return new ServiceBuilder()
        .withMetadata(Meta.of(cache, name, Labels.of(cache, component)))
        .withNewSpec()
        .withClusterIP("None")
        .withType("ClusterIP")
        .withPublishNotReadyAddresses(true)
        .withSelector(Labels.selector(cache, component))
        .withPorts(ports)
        .endSpec()
        .build();
  }

  static Service clusterIp(
      RedisGrpcCache cache, String name, String component, String type, List<ServicePort> ports) {
    return new ServiceBuilder()
        .withMetadata(Meta.of(cache, name, Labels.of(cache, component)))
        .withNewSpec()
        .withType(type)
        .withSessionAffinity("None")
        .withSelector(Labels.selector(cache, component))
        .withPorts(ports)
        .endSpec()
        .build();
  }
}

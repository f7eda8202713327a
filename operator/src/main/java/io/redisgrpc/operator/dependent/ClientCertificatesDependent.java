package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CertificateModels;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One Certificate and Secret {@code <name>-client-<client>-tls} per spec.auth.clients entry (CN =
 * client name, URI SAN = its identity). A removed client's Certificate is deleted.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector =
                Labels.MANAGED_BY
                    + "="
                    + Labels.OPERATOR_NAME
                    + ","
                    + Labels.COMPONENT
                    + "=client"))
public class ClientCertificatesDependent
    extends CRUDKubernetesDependentResource<Certificate, RedisGrpcCache>
    implements BulkDependentResource<Certificate, RedisGrpcCache, ResourceID> {
  public ClientCertificatesDependent() {
    super(Certificate.class);
  }

  @Override
  public Map<ResourceID, Certificate> desiredResources(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    int generation = TlsState.leafGeneration(cache, context);
    Map<ResourceID, Certificate> desired = new HashMap<>();
    cache
        .getSpec()
        .auth
        .clients
        .forEach(
            c ->
                desired.put(
                    new ResourceID(
                        TlsNames.clientCertificate(cache, c.name),
                        cache.getMetadata().getNamespace()),
                    CertificateModels.clientCertificate(cache, c.name, generation)));
    return desired;
  }

  @Override
  public Map<ResourceID, Certificate> getSecondaryResources(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    String prefix = cache.getMetadata().getName() + "-client-";
    return context
        .getSecondaryResourcesAsStream(Certificate.class)
        .filter(
            c ->
                cache
                    .getMetadata()
                    .getName()
                    .equals(c.getMetadata().getLabels().get(Labels.INSTANCE)))
        .filter(c -> "client".equals(c.getMetadata().getLabels().get(Labels.COMPONENT)))
        .filter(c -> c.getMetadata().getName().startsWith(prefix))
        .collect(Collectors.toMap(ResourceID::fromResource, c -> c, (a, b) -> a));
  }
}

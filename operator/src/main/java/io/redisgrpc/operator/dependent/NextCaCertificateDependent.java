package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.tls.CertificateModels;

/**
 * During a CA rotation: the next CA generation's Certificate. Retired generations are deleted by
 * CaCleanupDependent.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class NextCaCertificateDependent
    extends CRUDKubernetesDependentResource<Certificate, RedisGrpcCache> {
  public NextCaCertificateDependent() {
    super(Certificate.class);
  }

  @Override
  protected Certificate desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return CertificateModels.caCertificate(cache, TlsState.stored(cache, context).generation() + 1);
  }
}

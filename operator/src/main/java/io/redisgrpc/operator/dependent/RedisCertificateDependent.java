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
 * Certificate and Secret <name>-redis-tls: every Redis pod and Service name; server and client use
 * (replication, cluster bus).
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisCertificateDependent
    extends CRUDKubernetesDependentResource<Certificate, RedisGrpcCache> {
  public RedisCertificateDependent() {
    super(Certificate.class);
  }

  @Override
  protected Certificate desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return CertificateModels.redisCertificate(cache, TlsState.leafGeneration(cache, context));
  }
}

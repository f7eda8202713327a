package io.redisgrpc.operator.reconciler;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes each of the cache's Certificates the owner of the Secret cert-manager writes for it, so
 * that {@code kubectl delete rgc} removes the Secrets too. cert-manager leaves a Certificate's
 * Secret behind when the Certificate goes, unless it runs with
 * {@code --enable-certificate-owner-ref} (which does exactly this), a cluster-wide install choice
 * this operator cannot assume (found on a real node: eight TLS Secrets outlived their cache).
 *
 * <p>The owner is the Certificate, not the cache: with the cache as owner the garbage collector
 * deleted the Secrets while their Certificates still existed, and cert-manager issued them again,
 * unowned. A Secret owned by its Certificate goes only once the Certificate is gone.
 *
 * <p>The owner reference is added once per issued revision of a Certificate: a Secret that was
 * deleted and re-issued gets it again; otherwise no Secret is read on a settled cache.
 */
final class CertificateSecretOwners {
  /** Certificate uid to the status revision whose Secret carries the owner reference. */
  private final Map<String, Integer> adopted = new ConcurrentHashMap<>();

  void adopt(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    context.getSecondaryResourcesAsStream(Certificate.class)
        .filter(certificate -> certificate.getStatus() != null && certificate.getStatus().getRevision() != null)
        .forEach(certificate -> adopt(cache, context, certificate));
  }

  private void adopt(RedisGrpcCache cache, Context<RedisGrpcCache> context, Certificate certificate) {
    String uid = certificate.getMetadata().getUid();
    Integer revision = certificate.getStatus().getRevision();
    if (revision.equals(adopted.get(uid))) {
      return;
    }
    var secrets = context.getClient().secrets().inNamespace(cache.getMetadata().getNamespace());
    Secret secret = secrets.withName(certificate.getSpec().getSecretName()).get();
    if (secret == null) {
      return;
    }
    boolean owned = secret.getMetadata().getOwnerReferences() != null && secret.getMetadata().getOwnerReferences().stream()
        .anyMatch(owner -> Objects.equals(owner.getUid(), uid));
    if (!owned) {
      OwnerReference owner = new OwnerReferenceBuilder()
          .withApiVersion(certificate.getApiVersion()).withKind(certificate.getKind())
          .withName(certificate.getMetadata().getName()).withUid(uid)
          .withController(false).withBlockOwnerDeletion(false)
          .build();
      secrets.withName(secret.getMetadata().getName()).edit(s -> {
        s.getMetadata().getOwnerReferences().add(owner);
        return s;
      });
    }
    adopted.put(uid, revision);
  }
}

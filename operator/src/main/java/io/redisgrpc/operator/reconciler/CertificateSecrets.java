package io.redisgrpc.operator.reconciler;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.dependent.CertManagerApi;
import io.redisgrpc.operator.dependent.TlsState;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CertificateModels;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Secrets cert-manager writes for a cache's Certificates go when the cache goes. cert-manager
 * leaves a Certificate's Secret behind when the Certificate is deleted, unless it runs with {@code
 * --enable-certificate-owner-ref}, a cluster-wide install choice this operator cannot assume (found
 * on a real node: eight TLS Secrets outlived their cache). Two parts:
 *
 * <ul>
 *   <li>{@link #adopt}: each Certificate becomes the owner of its Secret, once per issued revision
 *       (a settled cache reads no Secret), so a Certificate the operator deletes on its own (the
 *       old CA after a CA rotation) takes its Secret with it;
 *   <li>{@link #removeWith}: when the cache is deleted (the reconciler's cleanup, behind its
 *       finalizer), the Certificates are deleted first and, once they are gone, their Secrets.
 *       Without this, a reconciliation that was running while the cache was deleted re-applied a
 *       Certificate, cert-manager issued its Secret again, unowned, and it stayed.
 * </ul>
 */
final class CertificateSecrets {
  /** cert-manager's annotation on every Secret it writes for a Certificate. */
  static final String CERTIFICATE_NAME_ANNOTATION = "cert-manager.io/certificate-name";

  /** Certificate uid to the status revision whose Secret carries the owner reference. */
  private final Map<String, Integer> adopted = new ConcurrentHashMap<>();

  void adopt(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    context
        .getSecondaryResourcesAsStream(Certificate.class)
        .filter(
            certificate ->
                certificate.getStatus() != null && certificate.getStatus().getRevision() != null)
        .forEach(certificate -> adopt(cache, context.getClient(), certificate));
  }

  private void adopt(RedisGrpcCache cache, KubernetesClient client, Certificate certificate) {
    String uid = certificate.getMetadata().getUid();
    Integer revision = certificate.getStatus().getRevision();
    if (revision.equals(adopted.get(uid))) {
      return;
    }
    var secrets = client.secrets().inNamespace(cache.getMetadata().getNamespace());
    Secret secret = secrets.withName(certificate.getSpec().getSecretName()).get();
    if (secret == null) {
      return;
    }
    boolean owned =
        secret.getMetadata().getOwnerReferences() != null
            && secret.getMetadata().getOwnerReferences().stream()
                .anyMatch(owner -> Objects.equals(owner.getUid(), uid));
    if (!owned) {
      OwnerReference owner =
          new OwnerReferenceBuilder()
              .withApiVersion(certificate.getApiVersion())
              .withKind(certificate.getKind())
              .withName(certificate.getMetadata().getName())
              .withUid(uid)
              .withController(false)
              .withBlockOwnerDeletion(false)
              .build();
      secrets
          .withName(secret.getMetadata().getName())
          .edit(
              s -> {
                s.getMetadata().getOwnerReferences().add(owner);
                return s;
              });
    }
    adopted.put(uid, revision);
  }

  /**
   * Deletes the cache's Certificates and, once none is left, the Secrets cert-manager wrote for
   * them. Returns false while Certificates are still there (look again shortly).
   */
  boolean removeWith(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    KubernetesClient client = context.getClient();
    if (!CertManagerApi.available(client)) {
      return true;
    }
    String namespace = cache.getMetadata().getNamespace();
    var certificates =
        client
            .resources(Certificate.class)
            .inNamespace(namespace)
            .withLabel(Labels.INSTANCE, cache.getMetadata().getName());
    List<Certificate> present = certificates.list().getItems();
    if (!present.isEmpty()) {
      // One by name: the chart grants delete, not deletecollection (found by the end-to-end
      // suite, where the operator runs with the chart's RBAC: deleting a TLS cache never finished).
      present.forEach(
          certificate ->
              client
                  .resources(Certificate.class)
                  .inNamespace(namespace)
                  .withName(certificate.getMetadata().getName())
                  .delete());
      return false;
    }
    // The Secrets of every Certificate the cache can have: its leaves and its live CA generations.
    Set<String> secretNames = new TreeSet<>(CertificateModels.leafNames(cache));
    TlsState.stored(cache, context)
        .liveGenerations()
        .forEach(generation -> secretNames.add(TlsNames.caCertificate(cache, generation)));
    for (String name : secretNames) {
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret != null
          && secret.getMetadata().getAnnotations() != null
          && secret.getMetadata().getAnnotations().containsKey(CERTIFICATE_NAME_ANNOTATION)) {
        client.secrets().inNamespace(namespace).withName(name).delete();
      }
    }
    return true;
  }
}

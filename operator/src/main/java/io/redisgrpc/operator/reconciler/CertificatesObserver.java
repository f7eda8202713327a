package io.redisgrpc.operator.reconciler;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.dependent.CertManagerApi;
import io.redisgrpc.operator.dependent.TlsState;
import io.redisgrpc.operator.dependent.TrustBundleDependent;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.model.TlsRendering;
import io.redisgrpc.operator.tls.CaRotationState;
import io.redisgrpc.operator.tls.CertificateModels;
import io.redisgrpc.operator.tls.CertificatesObservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Reads the cache's cert-manager Certificates from the informer caches. */
final class CertificatesObserver {
  /** Without cert-manager nothing watches for it to appear; look again this often. */
  static final Duration CERT_MANAGER_RECHECK = Duration.ofSeconds(15);

  CertificatesObservation observe(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    if (!TlsRendering.enabled(cache)) {
      return CertificatesObservation.NOT_REQUESTED;
    }
    if (!CertManagerApi.available(context.getClient())) {
      return new CertificatesObservation(false, List.of(), null);
    }
    Map<String, Certificate> present =
        context
            .getSecondaryResourcesAsStream(Certificate.class)
            .collect(
                Collectors.toMap(c -> c.getMetadata().getName(), Function.identity(), (a, b) -> a));
    List<String> expected = new ArrayList<>();
    CaRotationState state = null;
    if (CertificateModels.operatorManagedCa(cache)) {
      state = TlsState.stored(cache, context);
      for (int generation : state.liveGenerations()) {
        expected.add(TlsNames.caCertificate(cache, generation));
      }
    }
    expected.addAll(CertificateModels.leafNames(cache));
    List<String> pending = expected.stream().filter(name -> !ready(present.get(name))).toList();
    return new CertificatesObservation(true, pending, state);
  }

  /**
   * When to reconcile again without an event: CA trust propagation, or cert-manager still missing.
   */
  Optional<Duration> wakeUp(RedisGrpcCache cache, CertificatesObservation seen) {
    if (!TlsRendering.enabled(cache)) {
      return Optional.empty();
    }
    if (!seen.certManagerInstalled()) {
      return Optional.of(CERT_MANAGER_RECHECK);
    }
    return seen.caRotation() == null
        ? Optional.empty()
        : TrustBundleDependent.machine(cache)
            .wakeUpAfter(seen.caRotation())
            .map(d -> d.plusSeconds(1));
  }

  private static boolean ready(Certificate certificate) {
    return certificate != null
        && certificate.getStatus() != null
        && certificate.getStatus().getConditions() != null
        && certificate.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "Ready".equals(c.getType())
                        && "True".equals(c.getStatus())
                        && (c.getObservedGeneration() == null
                            || Objects.equals(
                                c.getObservedGeneration(),
                                certificate.getMetadata().getGeneration())));
  }
}

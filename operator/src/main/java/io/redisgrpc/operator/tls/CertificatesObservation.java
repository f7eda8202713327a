package io.redisgrpc.operator.tls;

import java.util.List;

/**
 * What the operator saw of a cache's certificates; input of the CertificatesReady condition.
 *
 * @param certManagerInstalled whether the API server serves cert-manager.io/v1
 * @param pending names of Certificates that are missing or not Ready for their current spec
 * @param caRotation the stored CA rotation state (null with a user issuer)
 */
public record CertificatesObservation(
    boolean certManagerInstalled, List<String> pending, CaRotationState caRotation) {
  public static final CertificatesObservation NOT_REQUESTED =
      new CertificatesObservation(true, List.of(), null);
}

package io.redisgrpc.operator.tls;

/** The CertificatesReady condition from what was observed. Pure. */
public record CertificatesCondition(boolean ready, String reason, String message) {
  public static final String CERT_MANAGER_MISSING = "CertManagerMissing";
  public static final String PENDING = "CertificatesPending";
  public static final String ISSUED = "Issued";
  public static final String CA_ROTATION = "CARotationInProgress";

  public static CertificatesCondition of(CertificatesObservation seen) {
    if (seen == null) {
      return new CertificatesCondition(false, PENDING, "Certificates not observed yet");
    }
    if (!seen.certManagerInstalled()) {
      return new CertificatesCondition(
          false,
          CERT_MANAGER_MISSING,
          "spec.tls.enabled needs cert-manager, but the API server does not serve cert-manager.io/v1; install cert-manager "
              + "(its CRDs and controller). No Issuer, Certificate or trust bundle was created; pods wait for their certificate Secrets");
    }
    if (!seen.pending().isEmpty()) {
      return new CertificatesCondition(
          false,
          PENDING,
          "Waiting for cert-manager to issue: " + String.join(", ", seen.pending()));
    }
    CaRotationState rotation = seen.caRotation();
    if (rotation != null && rotation.rotating()) {
      return new CertificatesCondition(
          true,
          CA_ROTATION,
          "All certificates issued; CA rotation from generation "
              + rotation.generation()
              + " to "
              + (rotation.generation() + 1)
              + " in phase "
              + rotation.phase()
              + " since "
              + rotation.phaseSince());
    }
    return new CertificatesCondition(
        true,
        ISSUED,
        "All certificates are issued"
            + (rotation == null ? "" : " by CA generation " + rotation.generation()));
  }
}

package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class TlsSpec {
  @Default("false")
  @JsonPropertyDescription(
      "mTLS everywhere through cert-manager: Redis (clients, replication, cluster bus), Sentinel and the gateway "
          + "(server, and client towards Redis), plus one client certificate per spec.auth.clients entry. "
          + "Needs cert-manager; without it CertificatesReady=False (reason CertManagerMissing).")
  public Boolean enabled = false;

  @JsonPropertyDescription(
      "An existing cert-manager Issuer or ClusterIssuer; empty for an operator-managed CA "
          + "(self-signed Issuer <name>-selfsigned, CA Certificate <name>-ca, CA Issuer <name>-ca).")
  public IssuerRef issuerRef;

  @Default("2m")
  @Size(max = CelRules.GO_DURATION_MAX_LENGTH)
  @ValidationRule(
      value = "self.matches(" + CelRules.GO_DURATION + ")",
      message =
          "spec.tls.trustPropagationDelay must be a Go duration such as 2m or 90s: "
              + CelRules.GO_DURATION_HINT)
  @JsonPropertyDescription(
      "CA rotation: how long a new CA certificate stays in the trust bundle before any leaf certificate is "
          + "re-issued from it, so every pod has the new bundle (kubelet refreshes mounted ConfigMaps within about a minute), "
          + "and how long the old CA stays trusted after every leaf was re-issued, so every pod has its new certificate. "
          + "A Go duration.")
  public String trustPropagationDelay = "2m";

  public static class IssuerRef {
    @Required public String name;

    @Default("Issuer")
    public IssuerKind kind = IssuerKind.Issuer;

    @Default("cert-manager.io")
    public String group = "cert-manager.io";
  }

  public enum IssuerKind {
    Issuer,
    ClusterIssuer
  }
}

package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

public class TlsSpec {
  @Default("false")
  @JsonPropertyDescription("mTLS through cert-manager. Not implemented yet by this operator version: enabling it sets CertificatesReady=False.")
  public Boolean enabled = false;

  @JsonPropertyDescription("An existing cert-manager Issuer or ClusterIssuer; empty for an operator-managed CA.")
  public IssuerRef issuerRef;

  public static class IssuerRef {
    @Required
    public String name;

    @Default("Issuer")
    public IssuerKind kind = IssuerKind.Issuer;

    @Default("cert-manager.io")
    public String group = "cert-manager.io";
  }

  public enum IssuerKind { Issuer, ClusterIssuer }
}

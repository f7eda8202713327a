package io.redisgrpc.operator.tls;

import io.fabric8.certmanager.api.model.meta.v1.ObjectReference;
import io.fabric8.certmanager.api.model.meta.v1.ObjectReferenceBuilder;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.certmanager.api.model.v1.IssuerBuilder;
import io.fabric8.kubernetes.api.model.Duration;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.TlsSpec;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.TlsNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cert-manager Issuers and Certificates of a cache. Pure: spec (and the CA generation that
 * signs) in, objects out.
 */
public final class CertificateModels {
  static final List<String> SERVER_AND_CLIENT =
      List.of("digital signature", "key encipherment", "server auth", "client auth");
  static final List<String> SERVER =
      List.of("digital signature", "key encipherment", "server auth");
  static final List<String> CLIENT =
      List.of("digital signature", "key encipherment", "client auth");

  /**
   * Subject OU of every leaf: names the CA generation it is (to be) issued from. Changing it makes
   * cert-manager re-issue.
   */
  static final String GENERATION_OU_PREFIX = "ca-generation-";

  private static final java.time.Duration CA_LIFETIME = java.time.Duration.ofDays(3650);

  private CertificateModels() {}

  /** Whether the operator runs the CA chain (no spec.tls.issuerRef). */
  public static boolean operatorManagedCa(RedisGrpcCache cache) {
    return cache.getSpec().tls == null
        || cache.getSpec().tls.issuerRef == null
        || cache.getSpec().tls.issuerRef.name == null;
  }

  public static Issuer selfSignedIssuer(RedisGrpcCache cache) {
    return new IssuerBuilder()
        .withNewMetadata()
        .withName(TlsNames.selfSignedIssuer(cache))
        .withNamespace(ns(cache))
        .withLabels(caLabels(cache))
        .endMetadata()
        .withNewSpec()
        .withNewSelfSigned()
        .endSelfSigned()
        .endSpec()
        .build();
  }

  /** The CA Issuer, signing with the CA generation {@code signingGeneration}. */
  public static Issuer caIssuer(RedisGrpcCache cache, int signingGeneration) {
    return new IssuerBuilder()
        .withNewMetadata()
        .withName(TlsNames.caIssuer(cache))
        .withNamespace(ns(cache))
        .withLabels(caLabels(cache))
        .endMetadata()
        .withNewSpec()
        .withNewCa()
        .withSecretName(TlsNames.caCertificate(cache, signingGeneration))
        .endCa()
        .endSpec()
        .build();
  }

  /** The self-signed CA certificate of one generation; its Secret has the same name. */
  public static Certificate caCertificate(RedisGrpcCache cache, int generation) {
    String name = TlsNames.caCertificate(cache, generation);
    Map<String, String> labels = caLabels(cache);
    labels.put(TlsNames.CA_GENERATION_LABEL, String.valueOf(generation));
    return new CertificateBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns(cache))
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withIsCA(true)
        .withCommonName(caCommonName(cache, generation))
        .withNewSubject()
        .withOrganizations("redisgrpc.io")
        .withOrganizationalUnits(GENERATION_OU_PREFIX + generation)
        .endSubject()
        .withSecretName(name)
        .withNewSecretTemplate()
        .withLabels(labels)
        .endSecretTemplate()
        .withDuration(new Duration(CA_LIFETIME))
        .withNewPrivateKey()
        .withAlgorithm("ECDSA")
        .withSize(256)
        .withEncoding("PKCS8")
        .withRotationPolicy("Always")
        .endPrivateKey()
        .withUsages("cert sign", "crl sign", "digital signature")
        .withIssuerRef(ref(TlsNames.selfSignedIssuer(cache), "Issuer", "cert-manager.io"))
        .endSpec()
        .build();
  }

  /** RFC 5280 (ub-common-name) caps a certificate's common name at 64 characters. */
  public static final int MAX_COMMON_NAME_LENGTH = 64;

  /**
   * {@code <namespace>/<name> redis-grpc CA <generation>}, without the namespace when that is too
   * long (a 63-character namespace and a 46-character cache name are both valid). Informational:
   * the operator tells CA generations apart by the subject OU.
   */
  static String caCommonName(RedisGrpcCache cache, int generation) {
    String withoutNamespace = cache.getMetadata().getName() + " redis-grpc CA " + generation;
    String full = ns(cache) + "/" + withoutNamespace;
    return full.length() <= MAX_COMMON_NAME_LENGTH ? full : withoutNamespace;
  }

  /**
   * Every DNS name a Redis data pod is reached by: pods through the headless Service, the client
   * Service, localhost.
   */
  public static List<String> redisDnsNames(RedisGrpcCache cache) {
    List<String> names = new ArrayList<>();
    addPodAndServiceNames(names, cache, Names.redisHeadless(cache), Names.redis(cache));
    names.add("localhost");
    return names;
  }

  public static List<String> sentinelDnsNames(RedisGrpcCache cache) {
    List<String> names = new ArrayList<>();
    addPodAndServiceNames(names, cache, Names.sentinelHeadless(cache), Names.sentinel(cache));
    names.add("localhost");
    return names;
  }

  public static List<String> gatewayDnsNames(RedisGrpcCache cache) {
    List<String> names = new ArrayList<>(serviceNames(Names.gateway(cache), ns(cache)));
    names.add("localhost");
    return names;
  }

  private static void addPodAndServiceNames(
      List<String> names, RedisGrpcCache cache, String headless, String service) {
    String ns = ns(cache);
    names.add("*." + headless + "." + ns + ".svc");
    names.add("*." + headless + "." + ns + ".svc.cluster.local");
    names.addAll(serviceNames(headless, ns));
    names.addAll(serviceNames(service, ns));
  }

  private static List<String> serviceNames(String service, String ns) {
    return List.of(
        service,
        service + "." + ns,
        service + "." + ns + ".svc",
        service + "." + ns + ".svc.cluster.local");
  }

  public static Certificate redisCertificate(RedisGrpcCache cache, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.redisCertificate(cache),
        Labels.REDIS,
        Names.redis(cache),
        redisDnsNames(cache),
        List.of("127.0.0.1", "::1"),
        List.of(),
        SERVER_AND_CLIENT,
        signingGeneration);
  }

  public static Certificate sentinelCertificate(RedisGrpcCache cache, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.sentinelCertificate(cache),
        Labels.SENTINEL,
        Names.sentinel(cache),
        sentinelDnsNames(cache),
        List.of("127.0.0.1", "::1"),
        List.of(),
        SERVER_AND_CLIENT,
        signingGeneration);
  }

  public static Certificate gatewayCertificate(RedisGrpcCache cache, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.gatewayCertificate(cache),
        Labels.GATEWAY,
        Names.gateway(cache),
        gatewayDnsNames(cache),
        List.of("127.0.0.1", "::1"),
        List.of(),
        SERVER,
        signingGeneration);
  }

  /** The gateway's client certificate towards Redis (its shared connection logs in as _gateway). */
  public static Certificate gatewayRedisCertificate(RedisGrpcCache cache, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.gatewayRedisCertificate(cache),
        Labels.GATEWAY,
        "_gateway",
        List.of(),
        List.of(),
        List.of(),
        CLIENT,
        signingGeneration);
  }

  /** The operator's client certificate towards Redis (ACL user _operator). */
  public static Certificate operatorCertificate(RedisGrpcCache cache, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.operatorCertificate(cache),
        "operator",
        "_operator",
        List.of(),
        List.of(),
        List.of(),
        CLIENT,
        signingGeneration);
  }

  /** A declared client's certificate: CN = client name, URI SAN = its SPIFFE-style identity. */
  public static Certificate clientCertificate(
      RedisGrpcCache cache, String client, int signingGeneration) {
    return leaf(
        cache,
        TlsNames.clientCertificate(cache, client),
        "client",
        client,
        List.of(),
        List.of(),
        List.of(TlsNames.clientIdentity(cache, client)),
        CLIENT,
        signingGeneration);
  }

  /** Names of every leaf Certificate (= Secret) of the cache, in a stable order. */
  public static List<String> leafNames(RedisGrpcCache cache) {
    List<String> names = new ArrayList<>();
    names.add(TlsNames.redisCertificate(cache));
    if (cache.getSpec().redis.mode == RedisMode.Sentinel) {
      names.add(TlsNames.sentinelCertificate(cache));
    }
    names.add(TlsNames.gatewayCertificate(cache));
    names.add(TlsNames.gatewayRedisCertificate(cache));
    names.add(TlsNames.operatorCertificate(cache));
    cache.getSpec().auth.clients.forEach(c -> names.add(TlsNames.clientCertificate(cache, c.name)));
    return names;
  }

  private static Certificate leaf(
      RedisGrpcCache cache,
      String name,
      String component,
      String commonName,
      List<String> dnsNames,
      List<String> ips,
      List<String> uris,
      List<String> usages,
      int signingGeneration) {
    Map<String, String> labels = Labels.of(cache, component);
    CertificateBuilder builder =
        new CertificateBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns(cache))
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withCommonName(commonName)
            .withSecretName(name)
            .withNewSecretTemplate()
            .withLabels(labels)
            .endSecretTemplate()
            .withNewPrivateKey()
            .withAlgorithm("ECDSA")
            .withSize(256)
            .withEncoding("PKCS8")
            .withRotationPolicy("Always")
            .endPrivateKey()
            .withUsages(usages)
            .withIssuerRef(issuerRef(cache))
            .endSpec();
    if (operatorManagedCa(cache)) {
      builder
          .editSpec()
          .withNewSubject()
          .withOrganizations("redisgrpc.io")
          .withOrganizationalUnits(GENERATION_OU_PREFIX + signingGeneration)
          .endSubject()
          .endSpec();
    }
    if (!dnsNames.isEmpty()) {
      builder.editSpec().withDnsNames(dnsNames).endSpec();
    }
    if (!ips.isEmpty()) {
      builder.editSpec().withIpAddresses(ips).endSpec();
    }
    if (!uris.isEmpty()) {
      builder.editSpec().withUris(uris).endSpec();
    }
    return builder.build();
  }

  /** The issuer of the leaves: the operator's CA Issuer, or the user's. */
  public static ObjectReference issuerRef(RedisGrpcCache cache) {
    if (operatorManagedCa(cache)) {
      return ref(TlsNames.caIssuer(cache), "Issuer", "cert-manager.io");
    }
    TlsSpec.IssuerRef user = cache.getSpec().tls.issuerRef;
    return ref(
        user.name,
        user.kind == null ? "Issuer" : user.kind.name(),
        user.group == null ? "cert-manager.io" : user.group);
  }

  private static ObjectReference ref(String name, String kind, String group) {
    return new ObjectReferenceBuilder().withName(name).withKind(kind).withGroup(group).build();
  }

  private static Map<String, String> caLabels(RedisGrpcCache cache) {
    Map<String, String> labels = new TreeMap<>(Labels.of(cache));
    labels.put(Labels.COMPONENT, TlsNames.CA_COMPONENT);
    return labels;
  }

  private static String ns(RedisGrpcCache cache) {
    return cache.getMetadata().getNamespace();
  }
}

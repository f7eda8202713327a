package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.certmanager.api.model.v1.IssuerBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheSpec;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.TlsSpec;
import io.redisgrpc.operator.dependent.CertManagerApi;
import io.redisgrpc.operator.lifecycle.RedisLifecycle;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.model.TlsRendering;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.operator.testing.CacheApi;
import io.redisgrpc.operator.testing.ClientSpecs;
import io.redisgrpc.operator.tls.Pem;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisBinaries;
import io.redisgrpc.testkit.RedisProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * spec.tls against a real kube-apiserver and the real cert-manager controller: Certificates are
 * really issued into Secrets. The first test runs before cert-manager's CRDs exist.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Integration
class CertificatesTest {
  private static final Logger LOG = LoggerFactory.getLogger(CertificatesTest.class);
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static KubernetesClient client;
  static String namespace;
  static CacheApi caches;
  static OperatorHarness operator;

  @BeforeAll
  static void start() {
    if (!CertManagerHarness.binaryPresent()) {
      return; // each test then reports why it is skipped (or, on CI, fails)
    }
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("tls");
    caches = new CacheApi(client, namespace, TIMEOUT);
    operator = new OperatorHarness(client, namespace);
  }

  @BeforeEach
  void requireCertManager() {
    CertManagerHarness.requireBinary();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  @Order(1)
  void withoutCertManagerTheCacheSaysSoAndNothingHalfMadeThenIssuesOnceInstalled() {
    Assumptions.assumeFalse(
        client.supports(Certificate.class), "cert-manager CRDs already installed in this test JVM");
    create("early", spec -> spec.redis.mode = RedisMode.Sentinel);
    RedisGrpcCache cache =
        caches.awaitStatus(
            "early",
            c -> "CertManagerMissing".equals(reason(c, ConditionTypes.CERTIFICATES_READY)));
    assertThat(status(cache, ConditionTypes.CERTIFICATES_READY)).isEqualTo("False");
    assertThat(status(cache, ConditionTypes.DEGRADED)).isEqualTo("True");
    assertThat(reason(cache, ConditionTypes.DEGRADED)).isEqualTo("CertManagerMissing");
    // The operator runs and renders the rest (with TLS configured), but no part of the TLS chain
    // exists.
    StatefulSet redis = caches.await(StatefulSet.class, "early-redis");
    assertThat(redis.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(
            v -> v.getSecret() != null && "early-redis-tls".equals(v.getSecret().getSecretName()));
    assertThat(client.configMaps().inNamespace(namespace).withName("early-trust-bundle").get())
        .isNull();

    Instant installed = Instant.now();
    CertManagerHarness.start(client);
    CertManagerApi.forget();
    // JOSDK registers the cert-manager informers when the activation condition first holds.
    caches.awaitStatus("early", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));
    LOG.info(
        String.format(
            "early: certificates issued %d ms after cert-manager was installed",
            Duration.between(installed, Instant.now()).toMillis()));
    assertThat(secret("early-sentinel-tls").getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
  }

  @Test
  @Order(2)
  void issuesEveryCertificateWithTheNamesPeersAndClientsUse() throws Exception {
    CertManagerHarness.start(client);
    Instant created = Instant.now();
    create(
        "shop",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.auth.clients.add(
              ClientSpecs.client(
                  "orders", "orders:", null, AuthSpec.Permission.READ, AuthSpec.Permission.WRITE));
          spec.auth.clients.add(
              ClientSpecs.client(
                  "billing",
                  "billing:",
                  null,
                  AuthSpec.Permission.READ,
                  AuthSpec.Permission.WRITE));
        });
    RedisGrpcCache cache =
        caches.awaitStatus(
            "shop", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));
    LOG.info(
        String.format(
            "shop: CA chain + 6 leaf certificates issued in %d ms",
            Duration.between(created, Instant.now()).toMillis()));
    assertThat(reason(cache, ConditionTypes.CERTIFICATES_READY)).isEqualTo("Issued");
    assertThat(cache.getStatus().clients)
        .extracting(c -> c.name + "=" + c.certificateSecret)
        .containsExactly("orders=shop-client-orders-tls", "billing=shop-client-billing-tls");

    assertThat(
            client.resources(Issuer.class).inNamespace(namespace).withName("shop-selfsigned").get())
        .isNotNull();
    assertThat(
            client
                .resources(Issuer.class)
                .inNamespace(namespace)
                .withName("shop-ca")
                .get()
                .getSpec()
                .getCa()
                .getSecretName())
        .isEqualTo("shop-ca");
    X509Certificate ca = first(secret("shop-ca"), "tls.crt");
    assertThat(ca.getBasicConstraints()).as("CA certificate").isGreaterThanOrEqualTo(0);
    String bundle =
        client
            .configMaps()
            .inNamespace(namespace)
            .withName("shop-trust-bundle")
            .get()
            .getData()
            .get("ca.crt");
    assertThat(Pem.fingerprints(bundle)).containsExactly(Pem.fingerprint(ca));

    X509Certificate redis = first(secret("shop-redis-tls"), "tls.crt");
    assertThat(dnsNames(redis))
        .contains(
            "*.shop-redis-headless." + namespace + ".svc",
            "*.shop-redis-headless." + namespace + ".svc.cluster.local",
            "shop-redis." + namespace + ".svc",
            "localhost");
    assertThat(redis.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(
            client
                .resources(Certificate.class)
                .inNamespace(namespace)
                .withName("shop-sentinel-tls")
                .get())
        .isNull();
    assertThat(dnsNames(first(secret("shop-gateway-tls"), "tls.crt")))
        .contains("shop-gateway." + namespace + ".svc");

    for (String name :
        List.of(
            "shop-redis-tls",
            "shop-gateway-tls",
            "shop-gateway-redis-tls",
            "shop-operator-tls",
            "shop-client-orders-tls",
            "shop-client-billing-tls")) {
      Secret secret = secret(name);
      assertThat(secret.getData()).as(name).containsKeys("tls.crt", "tls.key", "ca.crt");
      assertThat(Pem.signedBy(decode(secret, "tls.crt"), bundle))
          .as(name + " chains to the trust bundle")
          .isTrue();
    }
    X509Certificate orders = first(secret("shop-client-orders-tls"), "tls.crt");
    assertThat(orders.getSubjectX500Principal().getName()).contains("CN=orders");
    assertThat(sans(orders, 6))
        .containsExactly("spiffe://redisgrpc.io/ns/" + namespace + "/cache/shop/client/orders");
    assertThat(orders.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");

    // A cache without TLS next to it gets nothing of this (and its reconciliations leave the
    // cert-manager informers, which are shared, alone).
    RedisGrpcCache plainCache = new RedisGrpcCache();
    plainCache.setMetadata(
        new ObjectMetaBuilder().withName("plain").withNamespace(namespace).build());
    plainCache.setSpec(new RedisGrpcCacheSpec());
    plainCache.getSpec().redis.mode = RedisMode.Cluster;
    client.resource(plainCache).create();
    caches.awaitStatus(
        "plain",
        c ->
            c.getStatus().conditions.stream()
                .noneMatch(x -> ConditionTypes.CERTIFICATES_READY.equals(x.getType())));
    assertThat(
            client
                .resources(Certificate.class)
                .inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", "plain")
                .list()
                .getItems())
        .isEmpty();
    assertThat(client.configMaps().inNamespace(namespace).withName("plain-trust-bundle").get())
        .isNull();

    // A Certificate deleted by hand is made again, and cert-manager issues it again.
    String orderUid =
        client
            .resources(Certificate.class)
            .inNamespace(namespace)
            .withName("shop-client-orders-tls")
            .get()
            .getMetadata()
            .getUid();
    client
        .resources(Certificate.class)
        .inNamespace(namespace)
        .withName("shop-client-orders-tls")
        .delete();
    Awaitility.await("orders certificate created again")
        .atMost(TIMEOUT)
        .until(
            () -> {
              Certificate again =
                  client
                      .resources(Certificate.class)
                      .inNamespace(namespace)
                      .withName("shop-client-orders-tls")
                      .get();
              return again != null && !orderUid.equals(again.getMetadata().getUid());
            });
    caches.awaitStatus("shop", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));

    // A removed client's certificate goes, and status follows.
    caches.edit("shop", c -> c.getSpec().auth.clients.removeIf(x -> x.name.equals("billing")));
    Awaitility.await("billing certificate deleted")
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .resources(Certificate.class)
                        .inNamespace(namespace)
                        .withName("shop-client-billing-tls")
                        .get()
                    == null);
    caches.awaitStatus("shop", c -> c.getStatus().clients.size() == 1);

    // TLS switched off: every Certificate, both Issuers and the trust bundle go; pods run
    // plaintext.
    caches.edit("shop", c -> c.getSpec().tls.enabled = false);
    Awaitility.await("TLS objects deleted")
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .resources(Certificate.class)
                        .inNamespace(namespace)
                        .withLabel("app.kubernetes.io/instance", "shop")
                        .list()
                        .getItems()
                        .isEmpty()
                    && client
                        .resources(Issuer.class)
                        .inNamespace(namespace)
                        .withLabel("app.kubernetes.io/instance", "shop")
                        .list()
                        .getItems()
                        .isEmpty()
                    && client
                            .configMaps()
                            .inNamespace(namespace)
                            .withName("shop-trust-bundle")
                            .get()
                        == null);
    caches.awaitStatus(
        "shop",
        c ->
            c.getStatus().conditions.stream()
                .noneMatch(x -> ConditionTypes.CERTIFICATES_READY.equals(x.getType())));
    assertThat(
            client
                .configMaps()
                .inNamespace(namespace)
                .withName("shop-config")
                .get()
                .getData()
                .get("redis.conf"))
        .doesNotContain("tls-port");
  }

  @Test
  @Order(3)
  void caRotationTrustsTheNewCaFirstThenMovesEveryLeafThenRetiresTheOldCa() throws Exception {
    CertManagerHarness.start(client);
    create(
        "rot",
        spec -> {
          spec.redis.mode = RedisMode.Sentinel;
          spec.tls.trustPropagationDelay = "3s";
          spec.auth.clients.add(
              ClientSpecs.client(
                  "app", "app:", null, AuthSpec.Permission.READ, AuthSpec.Permission.WRITE));
        });
    caches.awaitStatus("rot", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));
    X509Certificate oldCa = first(secret("rot-ca"), "tls.crt");
    List<String> leaves =
        List.of(
            "rot-redis-tls",
            "rot-sentinel-tls",
            "rot-gateway-tls",
            "rot-gateway-redis-tls",
            "rot-operator-tls",
            "rot-client-app-tls");

    // Record every version of the bundle and of the leaf Secrets as they happen.
    List<Map.Entry<Instant, List<String>>> bundles = new CopyOnWriteArrayList<>();
    Map<String, List<Map.Entry<Instant, String>>> leafVersions = new ConcurrentHashMap<>();
    try (Watch bundleWatch =
            client
                .configMaps()
                .inNamespace(namespace)
                .withName("rot-trust-bundle")
                .watch(
                    recorder(
                        cm -> {
                          List<String> fps =
                              Pem.fingerprints(
                                  cm.getData() == null ? null : cm.getData().get("ca.crt"));
                          if (bundles.isEmpty()
                              || !bundles.get(bundles.size() - 1).getValue().equals(fps)) {
                            bundles.add(Map.entry(Instant.now(), fps));
                          }
                        }));
        Watch leafWatch =
            client
                .secrets()
                .inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", "rot")
                .watch(
                    recorder(
                        s -> {
                          if (leaves.contains(s.getMetadata().getName())
                              && s.getData() != null
                              && s.getData().get("tls.crt") != null) {
                            leafVersions
                                .computeIfAbsent(
                                    s.getMetadata().getName(), k -> new CopyOnWriteArrayList<>())
                                .add(Map.entry(Instant.now(), decode(s, "tls.crt")));
                          }
                        }))) {
      Instant requested = Instant.now();
      caches.edit(
          "rot",
          c -> c.getMetadata().getAnnotations().put(TlsNames.ROTATE_CA_ANNOTATION, "2026-11-22"));

      // Restart the operator in the middle (Trust: both CAs in the bundle): the state is in the
      // cluster, so it resumes.
      Awaitility.await("rotation reaches Trust")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  "Trust"
                      .equals(
                          client
                              .configMaps()
                              .inNamespace(namespace)
                              .withName("rot-trust-bundle")
                              .get()
                              .getMetadata()
                              .getAnnotations()
                              .get("redisgrpc.io/ca-phase")));
      operator.close();
      operator = new OperatorHarness(client, namespace);

      // The rotation is over when the bundle holds one CA that is not the old one and every leaf
      // chains to it.
      Awaitility.await("CA rotation finished")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                List<X509Certificate> trusted =
                    Pem.certificates(
                        client
                            .configMaps()
                            .inNamespace(namespace)
                            .withName("rot-trust-bundle")
                            .get()
                            .getData()
                            .get("ca.crt"));
                return trusted.size() == 1
                    && !trusted.get(0).equals(oldCa)
                    && leaves.stream()
                        .allMatch(
                            l ->
                                Pem.signedBy(
                                    decode(secret(l), "tls.crt"), Pem.encode(trusted.get(0))));
              });
      LOG.info(
          String.format(
              "rot: CA rotation finished %d ms after the annotation (trust propagation delay 3s)",
              Duration.between(requested, Instant.now()).toMillis()));
    }
    X509Certificate newCa = first(secret("rot-ca-2"), "tls.crt");
    String oldFp = Pem.fingerprint(oldCa);
    String newFp = Pem.fingerprint(newCa);
    // Bundle: old -> old + new -> new.
    List<List<String>> sequence = bundles.stream().map(Map.Entry::getValue).toList();
    assertThat(sequence)
        .as("trust bundle versions")
        .containsSubsequence(List.of(oldFp), List.of(oldFp, newFp), List.of(newFp));
    Instant newTrusted =
        bundles.stream()
            .filter(e -> e.getValue().contains(newFp))
            .findFirst()
            .orElseThrow()
            .getKey();
    Instant oldDropped =
        bundles.stream()
            .filter(e -> !e.getValue().contains(oldFp))
            .reduce((a, b) -> b)
            .orElseThrow()
            .getKey();
    // Trust first: no leaf from the new CA before the bundle held it (plus the propagation delay).
    Instant lastMoved = Instant.MIN;
    for (String leaf : leaves) {
      Instant movedAt =
          leafVersions.getOrDefault(leaf, List.of()).stream()
              .filter(v -> Pem.signedBy(v.getValue(), Pem.encode(newCa)))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(leaf + ": no version signed by the new CA was seen"));
      assertThat(movedAt)
          .as(leaf + " re-issued after the new CA was trusted for 3s")
          .isAfter(newTrusted.plusSeconds(3));
      assertThat(movedAt)
          .as(leaf + " re-issued before the old CA left the bundle")
          .isBefore(oldDropped);
      lastMoved = movedAt.isAfter(lastMoved) ? movedAt : lastMoved;
    }
    // Retire: pods load a re-issued Secret later (kubelet), so the old CA stays trusted for the
    // propagation delay (3s) after the last leaf moved. Both times are when this test's watches
    // heard of the change, which can lag the operator's reads by some milliseconds: hence 2.5s.
    // Without the Retire phase the old CA left within a reconciliation of the last leaf.
    assertThat(oldDropped)
        .as("the old CA left the bundle a propagation delay after the last leaf moved, not at once")
        .isAfter(lastMoved.plusMillis(2_500));
    // The Issuer signs with the new generation; the old CA's Certificate is gone (its Secret stays:
    // cert-manager keeps it and the operator may not delete Secrets; nothing trusts it any more).
    assertThat(
            client
                .resources(Issuer.class)
                .inNamespace(namespace)
                .withName("rot-ca")
                .get()
                .getSpec()
                .getCa()
                .getSecretName())
        .isEqualTo("rot-ca-2");
    Awaitility.await("old CA deleted")
        .atMost(TIMEOUT)
        .until(
            () ->
                client.resources(Certificate.class).inNamespace(namespace).withName("rot-ca").get()
                    == null);
    ConfigMap bundle =
        client.configMaps().inNamespace(namespace).withName("rot-trust-bundle").get();
    assertThat(bundle.getMetadata().getAnnotations())
        .containsEntry("redisgrpc.io/ca-generation", "2")
        .containsEntry("redisgrpc.io/ca-phase", "Idle")
        .containsEntry("redisgrpc.io/ca-rotation-token", "2026-11-22");
    caches.awaitStatus("rot", c -> "Issued".equals(reason(c, ConditionTypes.CERTIFICATES_READY)));

    // The rendered redis.conf works with a real redis-server and the re-issued files: mTLS only.
    RedisGrpcCache rot =
        client.resources(RedisGrpcCache.class).inNamespace(namespace).withName("rot").get();
    Path dir = Files.createTempDirectory("rot-redis");
    write(dir.resolve("tls/tls.crt"), decode(secret("rot-redis-tls"), "tls.crt"));
    write(dir.resolve("tls/tls.key"), decode(secret("rot-redis-tls"), "tls.key"));
    write(dir.resolve("trust/ca.crt"), bundle.getData().get("ca.crt"));
    write(dir.resolve("client/tls.crt"), decode(secret("rot-operator-tls"), "tls.crt"));
    write(dir.resolve("client/tls.key"), decode(secret("rot-operator-tls"), "tls.key"));
    int port = RedisProcess.freePort();
    List<String> conf =
        TlsRendering.redisConf(rot).stream()
            .map(
                l ->
                    l.replace("/etc/redisgrpc/", dir + "/")
                        .replace("tls-port 6379", "tls-port " + port))
            .toList();
    assertThat(conf).contains("port 0", "tls-auth-clients yes", "tls-replication yes");
    try (var redis = new RedisProcess(RedisBinaries.server(), port, dir, conf).start()) {
      String tls = "--tls --cacert " + dir.resolve("trust/ca.crt");
      assertThat(
              cli(
                  port,
                  tls
                      + " --cert "
                      + dir.resolve("client/tls.crt")
                      + " --key "
                      + dir.resolve("client/tls.key")))
          .as("operator client certificate")
          .contains("PONG");
      assertThat(cli(port, tls)).as("no client certificate").doesNotContain("PONG");
      assertThat(cli(port, "")).as("plaintext").doesNotContain("PONG");

      // The operator reaches it the same way: TLS with its own certificate, then its ACL user.
      ClientResources resources = DefaultClientResources.create();
      try {
        var topology =
            LoopbackPods.topology(
                List.of(redis), List.of(), false, Optional.of(bundle.getData().get("ca.crt")));
        var outcome =
            new RedisLifecycle(client, resources, Clock.systemUTC(), Duration.ofSeconds(2))
                .round(rot, topology);
        assertThat(outcome.redis())
            .as("the operator had its certificate and the bundle")
            .isPresent();
        assertThat(outcome.redis().get().problems()).isEmpty();
        assertThat(outcome.redis().get().reached()).isEqualTo(1);
        assertThat(outcome.redis().get().aclInSync()).as("ACL users applied over TLS").isTrue();
        assertThat(
                cli(
                    port,
                    tls
                        + " --cert "
                        + dir.resolve("client/tls.crt")
                        + " --key "
                        + dir.resolve("client/tls.key")))
            .as("default user now off: a valid certificate alone is not enough")
            .contains("NOAUTH");

        // A renewed certificate in the mounted files (here: another leaf of the same CA) is served
        // after the operator's next round, without a restart.
        String before = servedFingerprint(port, dir);
        assertThat(before).isEqualTo(fingerprint(dir.resolve("tls/tls.crt")));
        write(dir.resolve("tls/tls.crt"), decode(secret("rot-sentinel-tls"), "tls.crt"));
        write(dir.resolve("tls/tls.key"), decode(secret("rot-sentinel-tls"), "tls.key"));
        assertThat(servedFingerprint(port, dir))
            .as("Redis does not notice new files by itself")
            .isEqualTo(before);
        long pid = redis.pid();
        new RedisLifecycle(client, resources, Clock.systemUTC(), Duration.ofSeconds(2))
            .round(rot, topology);
        assertThat(servedFingerprint(port, dir))
            .as("the renewed certificate is served")
            .isEqualTo(fingerprint(dir.resolve("tls/tls.crt")))
            .isNotEqualTo(before);
        assertThat(redis.pid()).as("no restart").isEqualTo(pid);
      } finally {
        resources.shutdown();
      }
    }
  }

  /** SHA-256 fingerprint of the certificate the server presents, read with openssl s_client. */
  static String servedFingerprint(int port, Path dir) throws Exception {
    return sh(
        "openssl s_client -connect 127.0.0.1:"
            + port
            + " -cert "
            + dir.resolve("client/tls.crt")
            + " -key "
            + dir.resolve("client/tls.key")
            + " -CAfile "
            + dir.resolve("trust/ca.crt")
            + " </dev/null 2>/dev/null"
            + " | openssl x509 -noout -fingerprint -sha256");
  }

  static String fingerprint(Path certificate) throws Exception {
    return sh("openssl x509 -noout -fingerprint -sha256 -in " + certificate);
  }

  static String sh(String command) throws Exception {
    Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    String out =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(out).as(command).startsWith("sha256 Fingerprint=");
    return out;
  }

  static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** redis-cli PING with the given options; stdout and stderr. */
  static String cli(int port, String options) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(RedisBinaries.cli(), "-h", "127.0.0.1", "-p", String.valueOf(port)));
    if (!options.isBlank()) {
      command.addAll(List.of(options.split(" ")));
    }
    command.add("PING");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return "timeout";
    }
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  @Order(4)
  void aUserIssuerSignsEverythingAndTheBundleIsItsCa() {
    CertManagerHarness.start(client);
    // The user's own CA Issuer "corp" (made with cert-manager, as a platform team would).
    client
        .resource(
            new IssuerBuilder()
                .withNewMetadata()
                .withName("corp-root")
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withNewSelfSigned()
                .endSelfSigned()
                .endSpec()
                .build())
        .create();
    client
        .resource(
            new CertificateBuilder()
                .withNewMetadata()
                .withName("corp-ca")
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withIsCA(true)
                .withCommonName("corp CA")
                .withSecretName("corp-ca")
                .withNewPrivateKey()
                .withAlgorithm("ECDSA")
                .withSize(256)
                .endPrivateKey()
                .withNewIssuerRef()
                .withName("corp-root")
                .withKind("Issuer")
                .withGroup("cert-manager.io")
                .endIssuerRef()
                .endSpec()
                .build())
        .create();
    client
        .resource(
            new IssuerBuilder()
                .withNewMetadata()
                .withName("corp")
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withNewCa()
                .withSecretName("corp-ca")
                .endCa()
                .endSpec()
                .build())
        .create();

    create(
        "byo",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.tls.issuerRef = new TlsSpec.IssuerRef();
          spec.tls.issuerRef.name = "corp";
        });
    caches.awaitStatus("byo", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));
    assertThat(
            client
                .resources(Issuer.class)
                .inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", "byo")
                .list()
                .getItems())
        .as("no operator CA chain")
        .isEmpty();
    assertThat(client.resources(Certificate.class).inNamespace(namespace).withName("byo-ca").get())
        .isNull();
    assertThat(
            client
                .resources(Certificate.class)
                .inNamespace(namespace)
                .withName("byo-redis-tls")
                .get()
                .getSpec()
                .getIssuerRef()
                .getName())
        .isEqualTo("corp");
    String corpCa = decode(secret("corp-ca"), "tls.crt");
    String bundle =
        Awaitility.await("bundle holds the corp CA")
            .atMost(TIMEOUT)
            .until(
                () ->
                    client
                        .configMaps()
                        .inNamespace(namespace)
                        .withName("byo-trust-bundle")
                        .get()
                        .getData()
                        .get("ca.crt"),
                b -> Pem.fingerprints(b).equals(Pem.fingerprints(corpCa)));
    assertThat(Pem.signedBy(decode(secret("byo-gateway-tls"), "tls.crt"), bundle)).isTrue();
  }

  @Test
  @Order(5)
  void deletingTheCacheRemovesTheSecretsCertManagerWroteForIt() {
    CertManagerHarness.start(client);
    create(
        "brief",
        spec -> {
          spec.redis.mode = RedisMode.Sentinel;
          spec.auth.clients.add(
              ClientSpecs.client(
                  "orders", "orders:", null, AuthSpec.Permission.READ, AuthSpec.Permission.WRITE));
        });
    caches.awaitStatus("brief", c -> "True".equals(status(c, ConditionTypes.CERTIFICATES_READY)));
    List<String> secrets =
        client
            .resources(Certificate.class)
            .inNamespace(namespace)
            .withLabel("app.kubernetes.io/instance", "brief")
            .list()
            .getItems()
            .stream()
            .map(c -> c.getSpec().getSecretName())
            .toList();
    assertThat(secrets).contains("brief-ca", "brief-redis-tls", "brief-client-orders-tls");
    // cert-manager (without --enable-certificate-owner-ref) leaves a Certificate's Secret behind;
    // each Certificate owns its Secret, so the garbage collector removes them after it.
    Awaitility.await("each Certificate owns its Secret")
        .atMost(TIMEOUT)
        .until(
            () ->
                secrets.stream()
                    .map(name -> client.secrets().inNamespace(namespace).withName(name).get())
                    .allMatch(
                        s ->
                            s != null
                                && s.getMetadata().getOwnerReferences().stream()
                                    .anyMatch(o -> "Certificate".equals(o.getKind()))));
    client.resources(RedisGrpcCache.class).inNamespace(namespace).withName("brief").delete();
    Awaitility.await("certificate Secrets removed with the cache")
        .atMost(TIMEOUT)
        .until(
            () ->
                secrets.stream()
                    .allMatch(
                        name ->
                            client.secrets().inNamespace(namespace).withName(name).get() == null));
  }

  // ------------------------------------------------------------------ helpers

  /** A cache with TLS on, as every test here wants it. */
  static void create(String name, Consumer<RedisGrpcCacheSpec> spec) {
    caches.create(
        name,
        s -> {
          s.tls.enabled = true;
          spec.accept(s);
        });
  }

  static String status(RedisGrpcCache cache, String type) {
    return cache.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getStatus())
        .findFirst()
        .orElse(null);
  }

  static String reason(RedisGrpcCache cache, String type) {
    return cache.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getReason())
        .findFirst()
        .orElse(null);
  }

  static Secret secret(String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  static String decode(Secret secret, String key) {
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
  }

  static X509Certificate first(Secret secret, String key) {
    return Pem.certificates(decode(secret, key)).get(0);
  }

  static List<String> dnsNames(X509Certificate certificate) {
    return sans(certificate, 2);
  }

  static List<String> sans(X509Certificate certificate, int type) {
    try {
      Collection<List<?>> all = certificate.getSubjectAlternativeNames();
      return all == null
          ? List.of()
          : all.stream()
              .filter(s -> ((Integer) s.get(0)) == type)
              .map(s -> (String) s.get(1))
              .toList();
    } catch (CertificateParsingException e) {
      throw new AssertionError(e);
    }
  }

  static <T> Watcher<T> recorder(Consumer<T> onChange) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action == Action.ADDED || action == Action.MODIFIED) {
          onChange.accept(resource);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  static String controllerLog() {
    try {
      return CertManagerHarness.log() == null ? "" : Files.readString(CertManagerHarness.log());
    } catch (IOException e) {
      return e.toString();
    }
  }
}

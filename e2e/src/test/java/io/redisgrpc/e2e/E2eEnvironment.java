package io.redisgrpc.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the end-to-end tests share, set up once per test JVM: the node, the images in its
 * containerd, and the operator installed by Helm from helm/redis-grpc-operator the way a user
 * installs it (the chart installs the CRD itself). Torn down by {@link E2eSession}.
 *
 * <p>Without what it needs (root, the images) every test is skipped with the reason, except with
 * {@code CI=true}: there the suite must run, so it fails instead.
 */
final class E2eEnvironment {
  private static final Logger LOG = LoggerFactory.getLogger(E2eEnvironment.class);
  static final String OPERATOR_NAMESPACE = "redis-grpc-system";
  static final String RELEASE = "redis-grpc-operator";

  private static E2eEnvironment instance;
  private static String unavailable;

  /** Set as soon as a node may have been started, so a failed set-up still stops it. */
  private static LocalNode startedNode;

  final Path root;
  final LocalNode node;
  final Path kubeconfig;
  final KubernetesClient client;
  final String redisImage;

  private E2eEnvironment(
      Path root, LocalNode node, Path kubeconfig, KubernetesClient client, String redisImage) {
    this.root = root;
    this.node = node;
    this.kubeconfig = kubeconfig;
    this.client = client;
    this.redisImage = redisImage;
  }

  static synchronized E2eEnvironment get() {
    if (unavailable != null) {
      skipOrFail(unavailable);
    }
    if (instance == null) {
      Path root = root();
      List<String> missing = new ArrayList<>();
      if (!isRoot()) {
        missing.add("the node needs root (containerd, kubelet, a bridge)");
      }
      List<Path> tars =
          new ArrayList<>(
              List.of(
                  root.resolve("operator/target/jib-image.tar"),
                  root.resolve("gateway/server/target/jib-image.tar")));
      tars.stream()
          .filter(tar -> !Files.isRegularFile(tar))
          .forEach(
              tar ->
                  missing.add(
                      tar
                          + " is missing: run hack/images.sh, then ./mvnw package (images are built on the Debian JRE base)"));
      LocalNode.Result redis =
          LocalNode.Scripts.run(
              root, root.resolve("hack/images.sh"), List.of("path", "redis"), 60, false);
      Path redisTar = Path.of(redis.output().strip());
      if (redis.exitCode() != 0 || !Files.isRegularFile(redisTar)) {
        missing.add("the Redis test image is missing: run hack/images.sh");
      }
      if (!missing.isEmpty()) {
        unavailable = String.join("; ", missing);
        skipOrFail(unavailable);
      }
      tars.add(redisTar);
      LocalNode node = new LocalNode(root);
      startedNode = node;
      node.ensureUp();
      node.load(tars);
      Path kubeconfig = node.kubeconfig();
      Config config = Config.fromKubeconfig(read(kubeconfig));
      config.setClientKeyAlgo(keyAlgorithm(config.getClientKeyData()));
      KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
      String redisImage =
          LocalNode.Scripts.run(
                  root, root.resolve("hack/images.sh"), List.of("ref", "redis"), 60, true)
              .output()
              .strip();
      instance = new E2eEnvironment(root, node, kubeconfig, client, redisImage);
      instance.installOperator();
    }
    return instance;
  }

  /** helm install of the chart with the images built here; waits until the operator runs. */
  private void installOperator() {
    Helm.uninstall(RELEASE)
        .withNamespace(OPERATOR_NAMESPACE)
        .withKubeConfig(kubeconfig)
        .ignoreNotFound()
        .call();
    // Helm installs the chart's crds/ only when the CRD is absent and never upgrades it. On a
    // node kept from an earlier run, do what the README tells users to do on an upgrade.
    Path crd =
        root.resolve("helm/redis-grpc-operator/crds/redisgrpccaches.cache.redisgrpc.io-v1.yml");
    if (client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("redisgrpccaches.cache.redisgrpc.io")
            .get()
        != null) {
      try (InputStream in = Files.newInputStream(crd)) {
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(in)
            .forceConflicts()
            .serverSideApply();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Release release =
        new Helm(root.resolve("helm/redis-grpc-operator"))
            .install()
            .withName(RELEASE)
            .withNamespace(OPERATOR_NAMESPACE)
            .createNamespace()
            .withKubeConfig(kubeconfig)
            // The Redis image of the tests, built from Debian's packages (no registry is
            // reachable).
            .set("defaultImages.redis", redisImage)
            .call();
    Assertions.assertEquals(
        "deployed", release.getStatus(), "helm install: " + release.getOutput());
    Awaitility.await("operator Deployment available")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Deployment deployment =
                  client
                      .apps()
                      .deployments()
                      .inNamespace(OPERATOR_NAMESPACE)
                      .withName(RELEASE)
                      .get();
              return deployment != null
                  && deployment.getStatus() != null
                  && Integer.valueOf(1).equals(deployment.getStatus().getAvailableReplicas());
            });
    LOG.info("operator installed with Helm in {}", OPERATOR_NAMESPACE);
  }

  static synchronized void shutdown() {
    try {
      if (instance != null) {
        Helm.uninstall(RELEASE)
            .withNamespace(OPERATOR_NAMESPACE)
            .withKubeConfig(instance.kubeconfig)
            .ignoreNotFound()
            .call();
        instance.client.close();
      }
    } finally {
      if (startedNode != null) {
        startedNode.stopIfStartedHere();
      }
      instance = null;
      startedNode = null;
    }
  }

  private static void skipOrFail(String reason) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("end-to-end suite cannot run: " + reason + " (CI=true: it must run)");
    }
    Assumptions.abort("end-to-end suite skipped: " + reason);
  }

  static Path root() {
    String property = System.getProperty("redisgrpc.root");
    Path root = property != null ? Path.of(property) : Path.of("..").toAbsolutePath().normalize();
    if (!Files.isExecutable(root.resolve("hack/node.sh"))) {
      throw new IllegalStateException("not the repository root (no hack/node.sh): " + root);
    }
    return root;
  }

  private static boolean isRoot() {
    try {
      Process id = new ProcessBuilder("id", "-u").start();
      return new String(id.getInputStream().readAllBytes()).strip().equals("0")
          && id.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * fabric8 reads a PKCS#8 key ("BEGIN PRIVATE KEY") as the kubeconfig's client-key algorithm, RSA
   * unless told; the node's admin key is EC (P-256). Tells which one the key is.
   */
  private static String keyAlgorithm(String keyDataBase64) {
    String pem = new String(Base64.getDecoder().decode(keyDataBase64), StandardCharsets.US_ASCII);
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    for (String algorithm : List.of("EC", "RSA")) {
      try {
        KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        return algorithm;
      } catch (GeneralSecurityException notThisOne) {
        // try the next
      }
    }
    throw new IllegalStateException("the node's admin key is neither EC nor RSA PKCS#8");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

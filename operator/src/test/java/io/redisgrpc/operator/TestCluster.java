package io.redisgrpc.operator;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.redisgrpc.testkit.UserHome;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One real control plane per test JVM: kube-apiserver + etcd through fabric8 kube-api-test, plus
 * kube-controller-manager (garbage collector, StatefulSet, Deployment, ReplicaSet and disruption
 * controllers) so owner-reference cleanup and pod creation are real. There is no scheduler and no
 * kubelet: pods are created (and admitted by Pod Security) but never run.
 *
 * <p>Binaries come from {@code hack/kube-test-binaries.sh} ({@code ~/.kubeapitest}).
 */
public final class TestCluster {
  public static final String KUBE_VERSION = System.getenv().getOrDefault("KUBE_VERSION", "1.34.10");
  private static final Path CRD =
      Path.of("..", "crds", "redisgrpccaches.cache.redisgrpc.io-v1.yml");

  private static KubeAPIServer apiServer;
  private static Process controllerManager;
  private static KubernetesClient client;
  private static String kubeconfig;

  private TestCluster() {}

  public static synchronized KubernetesClient client() {
    if (client == null) {
      start();
    }
    return client;
  }

  public static synchronized String kubeconfigYaml() {
    client();
    return kubeconfig;
  }

  private static void start() {
    apiServer =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withApiServerVersion(KUBE_VERSION)
                .withOfflineMode(true)
                .withTestDir(UserHome.kubeApiTestDir().toString())
                .withUpdateKubeConfig(false)
                // Generous: on a loaded 2-core machine etcd + kube-apiserver can take over a
                // minute.
                .withStartupTimeout(180_000)
                .build());
    try {
      apiServer.start();
    } catch (RuntimeException e) {
      // kube-api-test's stop() can fail on a half-started server (an NPE cleaning etcd's data
      // directory that was never made): report why the start failed, not that.
      try {
        apiServer.stop();
      } catch (RuntimeException stopFailure) {
        e.addSuppressed(stopFailure);
      }
      apiServer = null;
      throw e;
    }
    kubeconfig = apiServer.getKubeConfigYaml();
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
    startControllerManager();
    Runtime.getRuntime().addShutdownHook(new Thread(TestCluster::stop, "test-cluster-stop"));
    installCrd();
  }

  private static void startControllerManager() {
    Path binary = binaryDir().resolve("kube-controller-manager");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(binary + " is missing: run hack/kube-test-binaries.sh");
    }
    try {
      Path dir = Files.createTempDirectory("kcm");
      Path config = Files.writeString(dir.resolve("kubeconfig"), kubeconfig);
      controllerManager =
          new ProcessBuilder(
                  binary.toString(),
                  "--kubeconfig=" + config,
                  "--leader-elect=false",
                  "--controllers=garbagecollector,statefulset,deployment,replicaset,disruption,serviceaccount",
                  "--bind-address=127.0.0.1",
                  "--secure-port=0",
                  "--concurrent-gc-syncs=5")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("kube-controller-manager.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path binaryDir() {
    return UserHome.kubeApiTestDir().resolve("k8s").resolve(KUBE_VERSION + "-linux-amd64");
  }

  private static void installCrd() {
    try (InputStream in = Files.newInputStream(CRD)) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).serverSideApply();
      Awaitility.await("CRD established")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                CustomResourceDefinition current =
                    client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd.getMetadata().getName())
                        .get();
                // The API server writes the status in steps: right after the apply it can have no
                // conditions yet.
                return current.getStatus() != null
                    && current.getStatus().getConditions() != null
                    && current.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh namespace that enforces the "restricted" Pod Security Standard. */
  public static String newNamespace(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(
                    Map.of(
                        "pod-security.kubernetes.io/enforce",
                        "restricted",
                        "pod-security.kubernetes.io/enforce-version",
                        "latest"))
                .endMetadata()
                .build())
        .create();
    // The service-account controller creates "default"; pods need it to be admitted.
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.serviceAccounts().inNamespace(name).withName("default").get() != null);
    return name;
  }

  private static synchronized void stop() {
    if (controllerManager != null) {
      controllerManager.destroy();
      try {
        controllerManager.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.stop();
    }
  }
}

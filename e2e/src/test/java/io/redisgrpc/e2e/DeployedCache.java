package io.redisgrpc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.testkit.UserHome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One example manifest applied in a namespace of its own, as a user would, and what it created. */
final class DeployedCache {
  private static final Logger LOG = LoggerFactory.getLogger(DeployedCache.class);
  static final String INSTANCE = "app.kubernetes.io/instance";

  /**
   * Marks the namespaces the suite creates, so a test can tell its own pods from an earlier test's.
   */
  static final String E2E_NAMESPACE = "redisgrpc.io/e2e";

  /**
   * Caches applied and not yet removed: whatever a failed test left goes before the next one
   * starts.
   */
  private static final Set<DeployedCache> LIVE = ConcurrentHashMap.newKeySet();

  final E2eEnvironment env;
  final KubernetesClient client;
  final String namespace;
  final String name;
  final long appliedAt;

  private DeployedCache(E2eEnvironment env, String namespace, String name) {
    this.env = env;
    this.client = env.client;
    this.namespace = namespace;
    this.name = name;
    this.appliedAt = System.nanoTime();
  }

  /**
   * Creates a namespace enforcing the restricted Pod Security Standard and applies the file there.
   */
  static DeployedCache apply(E2eEnvironment env, String example, String namespace) {
    try {
      return applyManifest(env, Files.readString(env.root.resolve(example)), namespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Like {@link #apply}, for a manifest given as text. */
  static DeployedCache applyManifest(E2eEnvironment env, String manifest, String namespace) {
    KubernetesClient client = env.client;
    // A failed earlier run on a node that was kept up leaves its namespace (as evidence): start
    // clean.
    if (client.namespaces().withName(namespace).get() != null) {
      client.namespaces().withName(namespace).delete();
      Awaitility.await("namespace " + namespace + " from an earlier run gone")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> client.namespaces().withName(namespace).get() == null);
    }
    awaitNoOtherTestPods(client, namespace);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(namespace)
                .withLabels(
                    Map.of(
                        "pod-security.kubernetes.io/enforce",
                        "restricted",
                        "pod-security.kubernetes.io/enforce-version",
                        "latest",
                        E2E_NAMESPACE,
                        "true"))
                .endMetadata()
                .build())
        .serverSideApply();
    Awaitility.await("ServiceAccount default in " + namespace)
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.serviceAccounts().inNamespace(namespace).withName("default").get() != null);
    RedisGrpcCache cache =
        client
            .resources(RedisGrpcCache.class)
            .load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8)))
            .item();
    cache.getMetadata().setNamespace(namespace);
    client.resource(cache).create();
    LOG.info("applied {}/{}", namespace, cache.getMetadata().getName());
    DeployedCache deployed = new DeployedCache(env, namespace, cache.getMetadata().getName());
    LIVE.add(deployed);
    return deployed;
  }

  /**
   * The 2-core node holds one test's caches at a time: pods an earlier test left would take the CPU
   * the next cache's pods request and keep them Pending. Waits for them to go, and says whose they
   * are.
   */
  private static void awaitNoOtherTestPods(KubernetesClient client, String namespace) {
    try {
      Awaitility.await("pods of earlier tests gone before " + namespace + " starts")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> otherTestPods(client, namespace).isEmpty());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "an earlier test left pods on the node: " + otherTestPods(client, namespace), e);
    }
  }

  private static List<String> otherTestPods(KubernetesClient client, String namespace) {
    List<String> testNamespaces =
        client.namespaces().withLabel(E2E_NAMESPACE, "true").list().getItems().stream()
            .map(ns -> ns.getMetadata().getName())
            .filter(ns -> !ns.equals(namespace))
            .toList();
    return testNamespaces.stream()
        .flatMap(ns -> client.pods().inNamespace(ns).list().getItems().stream())
        .map(
            p ->
                p.getMetadata().getNamespace()
                    + "/"
                    + p.getMetadata().getName()
                    + " "
                    + p.getStatus().getPhase())
        .toList();
  }

  /**
   * Removes the caches a failed test left (its namespace with them); a no-op after a clean test.
   */
  static void removeLeftovers() {
    for (DeployedCache cache : List.copyOf(LIVE)) {
      LOG.warn("removing {}/{}, left by a test that did not finish", cache.namespace, cache.name);
      cache.deleteNamespace();
    }
  }

  RedisGrpcCache get() {
    return client.resources(RedisGrpcCache.class).inNamespace(namespace).withName(name).get();
  }

  Optional<Condition> condition(String type) {
    RedisGrpcCache cache = get();
    if (cache == null || cache.getStatus() == null) {
      return Optional.empty();
    }
    return cache.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Waits for Ready=True; on timeout the message says what the status, pods and events showed. */
  Duration awaitReady(Duration deadline) {
    try {
      Awaitility.await(namespace + "/" + name + " Ready=True")
          .atMost(deadline)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> condition("Ready").map(c -> "True".equals(c.getStatus())).orElse(false));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + describe(), e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - appliedAt);
    LOG.info(
        "{}/{} Ready=True {} s after it was applied", namespace, name, took.toMillis() / 1000.0);
    return took;
  }

  Service gatewayService() {
    Service service = client.services().inNamespace(namespace).withName(name + "-gateway").get();
    assertThat(service).as("Service %s-gateway", name).isNotNull();
    return service;
  }

  Secret secret(String secretName) {
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    assertThat(secret).as("Secret %s", secretName).isNotNull();
    return secret;
  }

  List<Pod> pods() {
    return client.pods().inNamespace(namespace).withLabel(INSTANCE, name).list().getItems();
  }

  /** kubectl with the node's kubeconfig, as a user on the host runs it; returns its output. */
  String kubectl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(kubectlBinary().toString(), "--kubeconfig=" + env.kubeconfig, "-n", namespace));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kubectl finished").isTrue();
      assertThat(process.exitValue())
          .as("kubectl %s:%n%s", String.join(" ", args), output)
          .isZero();
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static Path kubectlBinary() {
    String version = System.getenv().getOrDefault("KUBE_VERSION", "1.34.10");
    return UserHome.kubeApiTestDir()
        .resolve("k8s")
        .resolve(version + "-linux-amd64")
        .resolve("kubectl");
  }

  /**
   * kubectl delete rgc, then waits until nothing labelled with the cache's instance is left (the
   * owner references let the garbage collector remove it all). Returns the PVCs left behind:
   * StatefulSets keep their volume claims unless their retention policy says otherwise.
   */
  List<String> deleteAndAwaitGone() {
    kubectl("delete", "rgc", name, "--wait=false");
    try {
      Awaitility.await("everything of " + name + " removed")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> leftovers().isEmpty());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("left after kubectl delete rgc " + name + ": " + leftovers(), e);
    }
    return client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .withLabel(INSTANCE, name)
        .list()
        .getItems()
        .stream()
        .map(pvc -> pvc.getMetadata().getName())
        .sorted()
        .toList();
  }

  private List<String> leftovers() {
    List<HasMetadata> left = new ArrayList<>();
    left.addAll(
        client.resources(RedisGrpcCache.class).inNamespace(namespace).withName(name).get() == null
            ? List.of()
            : List.of(get()));
    left.addAll(
        client
            .apps()
            .statefulSets()
            .inNamespace(namespace)
            .withLabel(INSTANCE, name)
            .list()
            .getItems());
    left.addAll(
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withLabel(INSTANCE, name)
            .list()
            .getItems());
    left.addAll(client.pods().inNamespace(namespace).withLabel(INSTANCE, name).list().getItems());
    left.addAll(
        client.services().inNamespace(namespace).withLabel(INSTANCE, name).list().getItems());
    left.addAll(
        client.configMaps().inNamespace(namespace).withLabel(INSTANCE, name).list().getItems());
    left.addAll(
        client.secrets().inNamespace(namespace).withLabel(INSTANCE, name).list().getItems());
    left.addAll(
        client
            .serviceAccounts()
            .inNamespace(namespace)
            .withLabel(INSTANCE, name)
            .list()
            .getItems());
    left.addAll(
        client
            .policy()
            .v1()
            .podDisruptionBudget()
            .inNamespace(namespace)
            .withLabel(INSTANCE, name)
            .list()
            .getItems());
    left.addAll(
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(namespace)
            .withLabel(INSTANCE, name)
            .list()
            .getItems());
    return left.stream()
        .map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .collect(Collectors.toList());
  }

  /** The namespace and whatever the test left in it (PVCs) go; waits until it is gone. */
  void deleteNamespace() {
    client.namespaces().withName(namespace).delete();
    Awaitility.await("namespace " + namespace + " gone")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> client.namespaces().withName(namespace).get() == null);
    LIVE.remove(this);
  }

  /** {@link #describe()} for every cache the suite has deployed and not deleted yet. */
  static String describeLive() {
    StringBuilder out = new StringBuilder();
    for (DeployedCache cache : List.copyOf(LIVE)) {
      out.append("\n--- ").append(cache.namespace).append("/").append(cache.name).append(":\n");
      out.append(cache.describe());
    }
    return out.toString();
  }

  /** What a user would look at when the cache does not become ready. */
  String describe() {
    StringBuilder out = new StringBuilder();
    RedisGrpcCache cache = get();
    out.append("status: ")
        .append(
            cache == null
                ? "(cache gone)"
                : client.getKubernetesSerialization().asYaml(cache.getStatus()));
    for (Pod pod : pods()) {
      out.append("\npod ")
          .append(pod.getMetadata().getName())
          .append(" (")
          .append(pod.getStatus().getPodIP())
          .append("): ")
          .append(pod.getStatus().getPhase());
      Stream.ofNullable(pod.getStatus().getContainerStatuses())
          .flatMap(List::stream)
          .forEach(
              s ->
                  out.append(" [")
                      .append(s.getName())
                      .append(" ready=")
                      .append(s.getReady())
                      .append(" started=")
                      .append(s.getStarted())
                      .append(" restarts=")
                      .append(s.getRestartCount())
                      .append(" ")
                      .append(
                          s.getState().getWaiting() != null
                              ? s.getState().getWaiting().getReason()
                                  + ": "
                                  + s.getState().getWaiting().getMessage()
                              : s.getState().getTerminated() != null
                                  ? "terminated " + s.getState().getTerminated().getReason()
                                  : "running")
                      .append("]"));
      Stream.ofNullable(pod.getStatus().getContainerStatuses())
          .flatMap(List::stream)
          .filter(s -> s.getLastState() != null && s.getLastState().getTerminated() != null)
          .forEach(s -> out.append(lastRun(pod, s.getName(), s.getLastState().getTerminated())));
      Stream.ofNullable(pod.getStatus().getContainerStatuses())
          .flatMap(List::stream)
          .filter(s -> s.getState().getRunning() != null)
          .forEach(s -> out.append(currentLog(pod, s.getName())));
    }
    client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> !"Normal".equals(e.getType()))
        .forEach(
            e ->
                out.append("\nevent ")
                    .append(e.getInvolvedObject().getKind())
                    .append("/")
                    .append(e.getInvolvedObject().getName())
                    .append(" ")
                    .append(e.getReason())
                    .append(": ")
                    .append(e.getMessage()));
    if (pods().stream().anyMatch(p -> "Pending".equals(p.getStatus().getPhase()))) {
      out.append(nodeRequests());
    }
    out.append("\noperator log about ").append(namespace).append(":\n").append(operatorLog());
    return out.toString();
  }

  /**
   * What the node can give and which pods hold it: a Pending pod's "Insufficient cpu" names no one.
   */
  private String nodeRequests() {
    StringBuilder out = new StringBuilder();
    client
        .nodes()
        .list()
        .getItems()
        .forEach(
            n ->
                out.append("\nnode ")
                    .append(n.getMetadata().getName())
                    .append(" allocatable cpu ")
                    .append(n.getStatus().getAllocatable().get("cpu"))
                    .append(", memory ")
                    .append(n.getStatus().getAllocatable().get("memory")));
    client.pods().inAnyNamespace().list().getItems().stream()
        .filter(
            p ->
                !"Pending".equals(p.getStatus().getPhase())
                    && !"Succeeded".equals(p.getStatus().getPhase())
                    && !"Failed".equals(p.getStatus().getPhase()))
        .forEach(
            p ->
                out.append("\n  holds ")
                    .append(p.getMetadata().getNamespace())
                    .append("/")
                    .append(p.getMetadata().getName())
                    .append(" cpu ")
                    .append(
                        p.getSpec().getContainers().stream()
                            .map(
                                c ->
                                    c.getResources() == null
                                            || c.getResources().getRequests() == null
                                        ? "-"
                                        : String.valueOf(c.getResources().getRequests().get("cpu")))
                            .collect(Collectors.joining("+"))));
    return out.toString();
  }

  /**
   * Why a container's previous run ended, and the end of its log: what kubectl logs --previous
   * shows.
   */
  private String lastRun(Pod pod, String container, ContainerStateTerminated terminated) {
    String log;
    try {
      log =
          client
              .pods()
              .inNamespace(namespace)
              .withName(pod.getMetadata().getName())
              .inContainer(container)
              .terminated()
              .tailingLines(15)
              .getLog();
    } catch (KubernetesClientException e) {
      log = "(previous log unavailable: " + e.getMessage() + ")";
    }
    return "\n  previous run of "
        + pod.getMetadata().getName()
        + "/"
        + container
        + " ended "
        + terminated.getFinishedAt()
        + ": "
        + terminated.getReason()
        + " exit "
        + terminated.getExitCode()
        + (terminated.getMessage() == null ? "" : " (" + terminated.getMessage().strip() + ")")
        + "\n    "
        + String.join("\n    ", log.strip().split("\n"));
  }

  /** The end of a running container's log: a replica that cannot sync says why there. */
  private String currentLog(Pod pod, String container) {
    String log;
    try {
      log =
          client
              .pods()
              .inNamespace(namespace)
              .withName(pod.getMetadata().getName())
              .inContainer(container)
              .tailingLines(8)
              .getLog();
    } catch (KubernetesClientException e) {
      log = "(log unavailable: " + e.getMessage() + ")";
    }
    return "\n    " + String.join("\n    ", log.strip().split("\n"));
  }

  /** The operator's recent log lines that name this namespace. */
  private String operatorLog() {
    try {
      List<String> lines =
          client.pods().inNamespace(E2eEnvironment.OPERATOR_NAMESPACE).list().getItems().stream()
              .map(
                  p ->
                      client
                          .pods()
                          .inNamespace(E2eEnvironment.OPERATOR_NAMESPACE)
                          .withName(p.getMetadata().getName())
                          .tailingLines(2000)
                          .getLog())
              .flatMap(String::lines)
              .filter(line -> line.contains(namespace))
              .toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    } catch (KubernetesClientException e) {
      return "(operator log unavailable: " + e.getMessage() + ")";
    }
  }
}

package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.reconciler.RedisGrpcCacheReconciler;
import io.redisgrpc.testkit.Integration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in helm/redis-grpc-operator, through helm-java (Helm's Go code via JNA, no helm
 * CLI): lint, render for both RBAC scopes, install into the test API server, and prove the chart's
 * RBAC is enough by running the real operator in-process as the chart's ServiceAccount
 * (impersonation).
 */
@Integration
class HelmChartTest {
  static final Path CHART =
      Path.of("..", "helm", "redis-grpc-operator").toAbsolutePath().normalize();
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final ResourceDefinitionContext CACHES =
      new ResourceDefinitionContext.Builder()
          .withGroup("cache.redisgrpc.io")
          .withVersion("v1alpha1")
          .withPlural("redisgrpccaches")
          .withKind("RedisGrpcCache")
          .withNamespaced(true)
          .build();
  static final List<String> CRUD =
      List.of("get", "list", "watch", "create", "patch", "update", "delete");

  static KubernetesClient client;
  static Path kubeconfig;

  @BeforeAll
  static void cluster() throws IOException {
    client = TestCluster.client();
    kubeconfig = Files.createTempFile("helm-chart-test", ".kubeconfig");
    Files.writeString(kubeconfig, TestCluster.kubeconfigYaml());
  }

  @AfterAll
  static void cleanUp() throws IOException {
    Files.deleteIfExists(kubeconfig);
  }

  @Test
  void lintPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
  }

  @Test
  void chartShipsTheGeneratedCrd() throws IOException {
    Path root = CHART.getParent().getParent();
    String crd = "redisgrpccaches.cache.redisgrpc.io-v1.yml";
    assertThat(Files.readString(CHART.resolve("crds").resolve(crd)))
        .as(
            "helm/redis-grpc-operator/crds/%s differs from crds/%s: run hack/update-crds.sh",
            crd, crd)
        .isEqualTo(Files.readString(root.resolve("crds").resolve(crd)));
  }

  @Test
  void clusterScopeRendersClusterRoleAndWatchesAllNamespaces() {
    List<HasMetadata> objects = render("ops", "rgo", Map.of());
    assertThat(kinds(objects))
        .containsExactlyInAnyOrder(
            "ServiceAccount/rgo-redis-grpc-operator",
            "Service/rgo-redis-grpc-operator-metrics",
            "Deployment/rgo-redis-grpc-operator",
            "ClusterRole/rgo-redis-grpc-operator",
            "ClusterRoleBinding/rgo-redis-grpc-operator",
            "Role/rgo-redis-grpc-operator-leader-election",
            "RoleBinding/rgo-redis-grpc-operator-leader-election");

    Deployment deployment = find(objects, Deployment.class, "rgo-redis-grpc-operator");
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("ops");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("rgo-redis-grpc-operator");
    Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getImage()).isEqualTo("ghcr.io/redisgrpc/redis-grpc-operator:0.1.0");
    assertThat(env(operator))
        .containsEntry("WATCH_NAMESPACES", "")
        .containsEntry("LEADER_ELECTION_NAMESPACE", "ops")
        .containsEntry("METRICS_PORT", "8080");
    assertThat(operator.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("metrics");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertThat(operator.getLivenessProbe().getTcpSocket().getPort().getStrVal())
        .isEqualTo("metrics");
    assertThat(operator.getReadinessProbe().getTcpSocket().getPort().getStrVal())
        .isEqualTo("metrics");
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getLimits()).containsKey("memory");
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();
    assertThat(
            deployment
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext()
                .getSeccompProfile()
                .getType())
        .isEqualTo("RuntimeDefault");

    Service metrics = find(objects, Service.class, "rgo-redis-grpc-operator-metrics");
    assertThat(metrics.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
    assertThat(metrics.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

    assertOperatorRules(find(objects, ClusterRole.class, "rgo-redis-grpc-operator").getRules());
    ClusterRoleBinding binding = find(objects, ClusterRoleBinding.class, "rgo-redis-grpc-operator");
    assertThat(binding.getRoleRef().getName()).isEqualTo("rgo-redis-grpc-operator");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("rgo-redis-grpc-operator");
              assertThat(s.getNamespace()).isEqualTo("ops");
            });
    Role leases = find(objects, Role.class, "rgo-redis-grpc-operator-leader-election");
    assertThat(leases.getMetadata().getNamespace()).isEqualTo("ops");
    assertThat(leases.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
              assertThat(r.getResources()).containsExactly("leases");
              assertThat(r.getVerbs())
                  .containsExactlyInAnyOrder("get", "create", "update", "patch");
            });
  }

  @Test
  void namespacedScopeRendersRolesInEachWatchedNamespace() {
    List<HasMetadata> objects =
        render(
            "ops",
            "rgo",
            Map.of("rbac.scope", "namespaced", "watchNamespaces", List.of("team-a", "team-b")));
    assertThat(objects).noneMatch(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding);
    Container operator =
        find(objects, Deployment.class, "rgo-redis-grpc-operator")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(env(operator))
        .containsEntry("WATCH_NAMESPACES", "team-a,team-b")
        .containsEntry("LEADER_ELECTION_NAMESPACE", "ops");
    List<Role> roles =
        objects.stream()
            .filter(Role.class::isInstance)
            .map(Role.class::cast)
            .filter(r -> r.getMetadata().getName().equals("rgo-redis-grpc-operator"))
            .collect(Collectors.toList());
    assertThat(roles)
        .extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    roles.forEach(r -> assertOperatorRules(r.getRules()));
    List<RoleBinding> bindings =
        objects.stream()
            .filter(RoleBinding.class::isInstance)
            .map(RoleBinding.class::cast)
            .filter(r -> r.getMetadata().getName().equals("rgo-redis-grpc-operator"))
            .collect(Collectors.toList());
    assertThat(bindings)
        .extracting(b -> b.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(bindings)
        .allSatisfy(
            b -> {
              assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
              assertThat(b.getSubjects())
                  .singleElement()
                  .satisfies(s -> assertThat(s.getNamespace()).isEqualTo("ops"));
            });
    assertThat(
            find(objects, Role.class, "rgo-redis-grpc-operator-leader-election")
                .getMetadata()
                .getNamespace())
        .isEqualTo("ops");

    // Without watchNamespaces, namespaced scope means the release namespace.
    List<HasMetadata> defaults = render("ops", "rgo", Map.of("rbac.scope", "namespaced"));
    assertThat(
            env(
                find(defaults, Deployment.class, "rgo-redis-grpc-operator")
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)))
        .containsEntry("WATCH_NAMESPACES", "ops");
    assertThat(find(defaults, Role.class, "rgo-redis-grpc-operator").getMetadata().getNamespace())
        .isEqualTo("ops");
  }

  @Test
  void valuesSwitchOffLeaderElectionAndRbac() {
    List<HasMetadata> objects =
        render(
            "ops",
            "op",
            Map.of(
                "leaderElection.enabled",
                false,
                "rbac.create",
                false,
                "metrics.service.enabled",
                false,
                "fullnameOverride",
                "rgo"));
    assertThat(kinds(objects)).containsExactlyInAnyOrder("ServiceAccount/rgo", "Deployment/rgo");
    Deployment deployment = find(objects, Deployment.class, "rgo");
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)))
        .containsEntry("LEADER_ELECTION_NAMESPACE", "");

    assertThatThrownBy(() -> render("ops", "rgo", Map.of("rbac.scope", "everywhere")))
        .hasMessageContaining("rbac.scope");
    assertThatThrownBy(
            () -> render("ops", "rgo", Map.of("replicaCount", 2, "leaderElection.enabled", false)))
        .hasMessageContaining("leaderElection");
  }

  @Test
  void clusterScopeInstallGivesTheOperatorEnoughRbac() throws IOException {
    String namespace = TestCluster.newNamespace("helm-cluster");
    String release = "rgo-" + UUID.randomUUID().toString().substring(0, 6);
    String notes = install(release, namespace, Map.of());
    try {
      assertThat(notes)
          .contains("in all namespaces", "RBAC: cluster-scoped", "Leader election: on");
      String fullname = release + "-redis-grpc-operator";
      assertInstalled(namespace, fullname);
      assertThat(client.rbac().clusterRoles().withName(fullname).get()).isNotNull();
      assertThat(client.rbac().clusterRoleBindings().withName(fullname).get()).isNotNull();

      // The ClusterRole grants cluster-wide list/watch: the operator watches every namespace
      // (the label selector only keeps it away from other tests' caches).
      String caches = TestCluster.newNamespace("helm-caches");
      String label = "helm-chart-test=" + release;
      String subject = serviceAccountUser(namespace, fullname);
      assertAllowed(subject, namespace, caches);
      // Secrets are read by name only: the operator can neither list nor watch every Secret.
      assertThat(allowed(subject, null, "", "secrets", "list"))
          .as("list secrets cluster-wide")
          .isFalse();
      assertThat(allowed(subject, null, "", "secrets", "watch"))
          .as("watch secrets cluster-wide")
          .isFalse();
      assertThat(allowed(subject, namespace, "", "secrets", "get"))
          .as("get a secret by name")
          .isTrue();
      try (KubernetesClient impersonated = impersonating(namespace, fullname);
          OperatorRun operator =
              new OperatorRun(impersonated, namespace, c -> c.withLabelSelector(label))) {
        GenericKubernetesResource cache =
            cache(caches, "orders", Map.of("helm-chart-test", release));
        assertReconciled(caches, cache, namespace);
      }
    } finally {
      uninstall(release, namespace);
    }
  }

  @Test
  void namespacedScopeInstallGivesTheOperatorEnoughRbac() throws IOException {
    String namespace = TestCluster.newNamespace("helm-ns");
    String watched = TestCluster.newNamespace("helm-watched");
    String other = TestCluster.newNamespace("helm-other");
    String release = "rgo-" + UUID.randomUUID().toString().substring(0, 6);
    String notes =
        install(
            release,
            namespace,
            Map.of("rbac.scope", "namespaced", "watchNamespaces", List.of(namespace, watched)));
    try {
      assertThat(notes)
          .contains(
              "namespace(s): " + namespace + "," + watched,
              "RBAC: namespaced-scoped",
              "kubectl apply -n " + namespace);
      String fullname = release + "-redis-grpc-operator";
      Deployment deployment = assertInstalled(namespace, fullname);
      assertThat(env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)))
          .containsEntry("WATCH_NAMESPACES", namespace + "," + watched);
      assertThat(client.rbac().roles().inNamespace(watched).withName(fullname).get()).isNotNull();
      assertThat(client.rbac().roleBindings().inNamespace(watched).withName(fullname).get())
          .isNotNull();
      assertThat(client.rbac().clusterRoles().withName(fullname).get()).isNull();

      String subject = serviceAccountUser(namespace, fullname);
      assertAllowed(subject, namespace, watched);
      assertThat(allowed(subject, other, "apps", "statefulsets", "create"))
          .as("create statefulsets in an unwatched namespace")
          .isFalse();
      assertThat(allowed(subject, other, "cache.redisgrpc.io", "redisgrpccaches", "list"))
          .as("list caches in an unwatched namespace")
          .isFalse();
      assertThat(allowed(subject, null, "cache.redisgrpc.io", "redisgrpccaches", "list"))
          .as("list caches cluster-wide")
          .isFalse();

      // Same wiring as the chart's env: WATCH_NAMESPACES=<release ns>,<watched>.
      try (KubernetesClient impersonated = impersonating(namespace, fullname);
          OperatorRun operator =
              new OperatorRun(
                  impersonated, namespace, c -> c.settingNamespaces(namespace, watched))) {
        GenericKubernetesResource cache = cache(watched, "orders", Map.of());
        assertReconciled(watched, cache, namespace);
      }
    } finally {
      uninstall(release, namespace);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** helm template with the given values (lists go through a values file), parsed with fabric8. */
  static List<HasMetadata> render(String namespace, String release, Map<String, Object> values) {
    // helm-java's library defaults to Kubernetes v1.20.0 (the helm CLI uses its client-go version).
    var template =
        new Helm(CHART)
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(TestCluster.KUBE_VERSION);
    Path valuesFile = valuesFile(values);
    try {
      if (valuesFile != null) {
        template.withValuesFile(valuesFile);
      }
      return parse(template.call());
    } finally {
      deleteQuietly(valuesFile);
    }
  }

  static List<HasMetadata> parse(String yaml) {
    return Arrays.stream(yaml.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> l.startsWith("kind:")))
        .map(doc -> (HasMetadata) client.getKubernetesSerialization().unmarshal(doc))
        .collect(Collectors.toList());
  }

  /** helm install; returns the rendered NOTES.txt. */
  static String install(String release, String namespace, Map<String, Object> values) {
    Path valuesFile = valuesFile(values);
    try {
      var install =
          new Helm(CHART)
              .install()
              .withName(release)
              .withNamespace(namespace)
              .withKubeConfig(kubeconfig);
      if (valuesFile != null) {
        install.withValuesFile(valuesFile);
      }
      // TestCluster already installed the CRD: Helm leaves an existing CRD from crds/ alone.
      Release installed = install.call();
      assertThat(installed.getStatus()).isEqualTo("deployed");
      return installed.getOutput();
    } finally {
      deleteQuietly(valuesFile);
    }
  }

  static void uninstall(String release, String namespace) {
    Helm.uninstall(release).withNamespace(namespace).withKubeConfig(kubeconfig).call();
  }

  /** A YAML values file for the dotted keys given (helm --set cannot carry lists safely here). */
  static Path valuesFile(Map<String, Object> values) {
    if (values.isEmpty()) {
      return null;
    }
    Map<String, Object> tree = new TreeMap<>();
    values.forEach(
        (key, value) -> {
          String[] path = key.split("\\.");
          Map<String, Object> node = tree;
          for (int i = 0; i < path.length - 1; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> child =
                (Map<String, Object>)
                    node.computeIfAbsent(path[i], k -> new TreeMap<String, Object>());
            node = child;
          }
          node.put(path[path.length - 1], value);
        });
    try {
      Path file = Files.createTempFile("helm-values", ".yaml");
      Files.writeString(file, client.getKubernetesSerialization().asYaml(tree));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temp file
      }
    }
  }

  static Deployment assertInstalled(String namespace, String fullname) {
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("redisgrpccaches.cache.redisgrpc.io")
                .get())
        .isNotNull();
    ServiceAccount account =
        client.serviceAccounts().inNamespace(namespace).withName(fullname).get();
    assertThat(account).isNotNull();
    assertThat(account.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "Helm");
    assertThat(client.services().inNamespace(namespace).withName(fullname + "-metrics").get())
        .isNotNull();
    assertThat(
            client
                .rbac()
                .roles()
                .inNamespace(namespace)
                .withName(fullname + "-leader-election")
                .get())
        .isNotNull();
    assertThat(
            client
                .rbac()
                .roleBindings()
                .inNamespace(namespace)
                .withName(fullname + "-leader-election")
                .get())
        .isNotNull();
    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName(fullname).get();
    assertThat(deployment).isNotNull();
    // The namespace enforces the "restricted" Pod Security Standard: the operator pod (created by
    // the Deployment controller, never scheduled here) must be admitted.
    Awaitility.await("operator pod admitted")
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .pods()
                            .inNamespace(namespace)
                            .withLabel(
                                "app.kubernetes.io/instance",
                                deployment
                                    .getMetadata()
                                    .getLabels()
                                    .get("app.kubernetes.io/instance"))
                            .list()
                            .getItems())
                    .extracting(Pod::getMetadata)
                    .isNotEmpty());
    return deployment;
  }

  /**
   * The permissions the operator uses, checked with SubjectAccessReviews; and some it must not
   * have.
   */
  static void assertAllowed(String subject, String releaseNamespace, String watched) {
    for (String kind : List.of("configmaps", "services", "serviceaccounts")) {
      CRUD.forEach(
          verb ->
              assertThat(allowed(subject, watched, "", kind, verb))
                  .as("%s %s", verb, kind)
                  .isTrue());
    }
    for (String[] kind :
        new String[][] {
          {"apps", "statefulsets"},
          {"apps", "deployments"},
          {"autoscaling", "horizontalpodautoscalers"},
          {"policy", "poddisruptionbudgets"},
          {"networking.k8s.io", "networkpolicies"}
        }) {
      CRUD.forEach(
          verb ->
              assertThat(allowed(subject, watched, kind[0], kind[1], verb))
                  .as("%s %s", verb, kind[1])
                  .isTrue());
    }
    for (String verb : List.of("get", "list", "watch", "patch", "update")) {
      assertThat(allowed(subject, watched, "cache.redisgrpc.io", "redisgrpccaches", verb))
          .as("%s redisgrpccaches", verb)
          .isTrue();
    }
    assertThat(allowed(subject, watched, "cache.redisgrpc.io", "redisgrpccaches/status", "patch"))
        .isTrue();
    assertThat(
            allowed(subject, watched, "cache.redisgrpc.io", "redisgrpccaches/finalizers", "update"))
        .isTrue();
    assertThat(allowed(subject, watched, "", "secrets", "get")).isTrue();
    assertThat(allowed(subject, watched, "", "events", "create")).isTrue();
    for (String verb : List.of("get", "create", "update", "patch")) {
      assertThat(allowed(subject, releaseNamespace, "coordination.k8s.io", "leases", verb))
          .as("%s leases", verb)
          .isTrue();
    }
    // Least privilege.
    assertThat(allowed(subject, watched, "cache.redisgrpc.io", "redisgrpccaches", "delete"))
        .as("delete caches")
        .isFalse();
    assertThat(allowed(subject, watched, "cache.redisgrpc.io", "redisgrpccaches", "create"))
        .as("create caches")
        .isFalse();
    assertThat(allowed(subject, watched, "", "secrets", "create"))
        .as("create secrets (the credentials Secrets)")
        .isTrue();
    assertThat(allowed(subject, watched, "", "secrets", "delete"))
        .as("delete secrets (cert-manager's, with their cache)")
        .isTrue();
    assertThat(allowed(subject, watched, "", "secrets", "list")).as("list secrets").isFalse();
    assertThat(allowed(subject, watched, "", "pods", "watch"))
        .as("watch pods (to reach ready Redis pods)")
        .isTrue();
    assertThat(allowed(subject, watched, "", "pods", "delete")).as("delete pods").isFalse();
    assertThat(allowed(subject, watched, "", "pods/eviction", "create"))
        .as("evict pods (rolling updates, PDBs honoured)")
        .isTrue();
    assertThat(allowed(subject, watched, "", "pods", "create")).as("create pods").isFalse();
    assertThat(allowed(subject, watched, "rbac.authorization.k8s.io", "roles", "create"))
        .as("create roles")
        .isFalse();
    assertThat(allowed(subject, watched, "coordination.k8s.io", "leases", "update"))
        .as("leases outside the release namespace")
        .isEqualTo(watched.equals(releaseNamespace));
    assertThat(
            allowed(subject, null, "apiextensions.k8s.io", "customresourcedefinitions", "create"))
        .as("create CRDs")
        .isFalse();
  }

  static boolean allowed(
      String user, String namespace, String group, String resource, String verb) {
    String[] parts = resource.split("/", 2);
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withGroups(groups(user.split(":")[2]))
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withGroup(group)
            .withResource(parts[0])
            .withSubresource(parts.length > 1 ? parts[1] : null)
            .withVerb(verb)
            .endResourceAttributes()
            .endSpec()
            .build();
    return client
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }

  static String serviceAccountUser(String namespace, String name) {
    return "system:serviceaccount:" + namespace + ":" + name;
  }

  static List<String> groups(String namespace) {
    return List.of(
        "system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
  }

  /** A client that acts as the chart's ServiceAccount (the admin credentials may impersonate). */
  static KubernetesClient impersonating(String namespace, String serviceAccount) {
    Config config = Config.fromKubeconfig(TestCluster.kubeconfigYaml());
    config.setImpersonateUsername(serviceAccountUser(namespace, serviceAccount));
    config.setImpersonateGroups(groups(namespace).toArray(String[]::new));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static GenericKubernetesResource cache(
      String namespace, String name, Map<String, String> labels) {
    GenericKubernetesResource cache =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("cache.redisgrpc.io/v1alpha1")
            .withKind("RedisGrpcCache")
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("redis", Map.of("mode", "Cluster"))))
            .build();
    return client
        .genericKubernetesResources(CACHES)
        .inNamespace(namespace)
        .resource(cache)
        .create();
  }

  /** The impersonated operator created the Redis StatefulSet, wrote status and holds the Lease. */
  static void assertReconciled(
      String namespace, GenericKubernetesResource cache, String leaseNamespace) {
    String name = cache.getMetadata().getName();
    Awaitility.await("StatefulSet " + name + "-redis")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                client.apps().statefulSets().inNamespace(namespace).withName(name + "-redis").get()
                    != null);
    StatefulSet redis =
        client.apps().statefulSets().inNamespace(namespace).withName(name + "-redis").get();
    assertThat(redis.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(cache.getMetadata().getUid()));
    Awaitility.await(name + " status.conditions")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              GenericKubernetesResource current =
                  client
                      .genericKubernetesResources(CACHES)
                      .inNamespace(namespace)
                      .withName(name)
                      .get();
              Object status = current.getAdditionalProperties().get("status");
              assertThat(status).isInstanceOf(Map.class);
              assertThat((List<?>) ((Map<?, ?>) status).get("conditions"))
                  .isNotEmpty()
                  .anySatisfy(c -> assertThat(((Map<?, ?>) c).get("type")).isEqualTo("Ready"));
            });
    // Leader election: the operator holds the Lease and keeps renewing it (a renewal is a PATCH;
    // a leader that cannot renew loses the lease after the renew deadline and exits).
    Lease lease =
        client
            .resources(Lease.class)
            .inNamespace(leaseNamespace)
            .withName(OperatorMain.LEASE_NAME)
            .get();
    assertThat(lease).as("leader-election Lease").isNotNull();
    String holder = lease.getSpec().getHolderIdentity();
    ZonedDateTime renewed = lease.getSpec().getRenewTime();
    assertThat(holder).isNotBlank();
    Awaitility.await("Lease renewed")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              Lease current =
                  client
                      .resources(Lease.class)
                      .inNamespace(leaseNamespace)
                      .withName(OperatorMain.LEASE_NAME)
                      .get();
              assertThat(current.getSpec().getHolderIdentity()).isEqualTo(holder);
              assertThat(current.getSpec().getRenewTime()).isNotEqualTo(renewed);
            });
  }

  static Map<String, String> env(Container container) {
    return container.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  static List<String> kinds(List<HasMetadata> objects) {
    return objects.stream()
        .map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .collect(Collectors.toList());
  }

  static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(o -> name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no " + type.getSimpleName() + " " + name + " in " + kinds(objects)));
  }

  /**
   * The rules the operator needs, and nothing wider (no wildcards, pods read-only, no secret
   * deletes).
   */
  static void assertOperatorRules(List<PolicyRule> rules) {
    assertThat(rules)
        .allSatisfy(
            r -> {
              assertThat(r.getVerbs()).doesNotContain("*");
              assertThat(r.getResources()).doesNotContain("*");
              assertThat(r.getApiGroups()).doesNotContain("*");
            });
    assertThat(verbs(rules, "", "secrets"))
        .containsExactlyInAnyOrder("get", "create", "patch", "update", "delete");
    assertThat(verbs(rules, "", "pods")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbs(rules, "", "pods/eviction")).containsExactly("create");
    assertThat(verbs(rules, "", "events")).containsExactlyInAnyOrder("create", "patch");
    assertThat(verbs(rules, "cache.redisgrpc.io", "redisgrpccaches"))
        .containsExactlyInAnyOrder("get", "list", "watch", "patch", "update");
    assertThat(verbs(rules, "cache.redisgrpc.io", "redisgrpccaches/status"))
        .containsExactlyInAnyOrder("get", "patch", "update");
    assertThat(verbs(rules, "cache.redisgrpc.io", "redisgrpccaches/finalizers"))
        .containsExactly("update");
    for (String[] kind :
        new String[][] {
          {"", "configmaps"},
          {"", "services"},
          {"", "serviceaccounts"},
          {"apps", "statefulsets"},
          {"apps", "deployments"},
          {"autoscaling", "horizontalpodautoscalers"},
          {"policy", "poddisruptionbudgets"},
          {"networking.k8s.io", "networkpolicies"}
        }) {
      assertThat(verbs(rules, kind[0], kind[1]))
          .as(kind[1])
          .containsExactlyInAnyOrderElementsOf(CRUD);
    }
  }

  static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream())
        .distinct()
        .collect(Collectors.toList());
  }

  /**
   * The real operator (reconciler, metrics, SSA, leader election on the chart's Lease namespace),
   * wired like {@link OperatorMain#create} except that losing leadership on stop must not
   * System.exit the test JVM (OperatorMain's LeaderElectionConfiguration exits, as it should in a
   * pod).
   */
  static final class OperatorRun implements AutoCloseable {
    private final Operator operator;

    OperatorRun(
        KubernetesClient client,
        String leaseNamespace,
        Consumer<ControllerConfigurationOverrider<RedisGrpcCache>> configuration) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      operator = OperatorMain.create(client, registry, leaseNamespace, false);
      operator.register(new RedisGrpcCacheReconciler(), configuration);
      operator.start();
    }

    @Override
    public void close() {
      operator.stop();
    }
  }
}

package io.redisgrpc.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.redisgrpc.testkit.IntegrationRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The package structure DESIGN.md describes, enforced: a change that breaks it fails the build. */
class ArchitectureTest {
  static final JavaClasses OPERATOR =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.redisgrpc.operator");

  static final JavaClasses TESTS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
          .importPackages("io.redisgrpc.operator");

  /** The operator's test support that starts (or needs) real servers. */
  static final List<String> STARTS_SERVERS =
      List.of(
          "io.redisgrpc.gateway.GatewayServer",
          "io.redisgrpc.operator.testing.CacheApi",
          "io.redisgrpc.operator.TestCluster",
          "io.redisgrpc.operator.OperatorHarness",
          "io.redisgrpc.operator.CertManagerHarness",
          "io.redisgrpc.operator.LoopbackPods",
          "io.redisgrpc.operator.model.LocalPod");

  /** What talks to Redis, to the API server, to the network or to files. */
  static final DescribedPredicate<JavaClass> IO =
      JavaClass.Predicates.resideInAnyPackage(
              "io.lettuce..",
              "io.javaoperatorsdk..",
              "io.fabric8.kubernetes.client.dsl..",
              "java.net..",
              "java.nio.file..")
          .or(JavaClass.Predicates.assignableTo(KubernetesClient.class))
          .as("I/O (Redis, the Kubernetes API, network or files)");

  @Test
  void noPackageCycles() {
    // (**): every package its own slice, so redis and redis.cluster may not need each other either.
    slices().matching("io.redisgrpc.operator.(**)").should().beFreeOfCycles().check(OPERATOR);
  }

  @Test
  void theDecidingPackagesDoNoIo() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.redisgrpc.operator.crd..",
            "io.redisgrpc.operator.model..",
            "io.redisgrpc.operator.status..",
            "io.redisgrpc.operator.tls..",
            "io.redisgrpc.operator.credentials.rotation..")
        .should()
        .dependOnClassesThat(IO)
        .because(
            "the resource model, status aggregation, TLS rendering and the rotation machines are pure functions"
                + " of their input, unit-tested without a server (DESIGN.md)")
        .check(OPERATOR);
  }

  @Test
  void thePlannersDoNoIo() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Planner")
        .should()
        .dependOnClassesThat(IO)
        .because(
            "a planner decides from what was observed, and the class next to it reads and sends"
                + " (ClusterPlanner and ClusterFormation, LifecyclePlanner and RedisLifecycle,"
                + " AdminPlanner and RedisAdmin)")
        .check(OPERATOR);
  }

  @Test
  void testsThatStartServersRunAsIntegrationTests() {
    IntegrationRule.testsThatStartServersAreTagged(TESTS, STARTS_SERVERS).check(TESTS);
  }
}

package io.redisgrpc.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The architecture rule that keeps {@code ./mvnw test} fast: a test class that uses (itself or in a
 * nested class) anything that starts real servers must be tagged {@link Integration}, so failsafe
 * runs it in {@code verify} and surefire does not.
 */
public final class IntegrationRule {
  /** The testkit's classes that start processes. */
  public static final List<String> TESTKIT_SERVERS =
      List.of(
          RedisProcess.class.getName(),
          RedisClusterHarness.class.getName(),
          RedisSentinelHarness.class.getName(),
          CertManagerController.class.getName(),
          RoundRobinProxy.class.getName());

  private IntegrationRule() {}

  /**
   * @param tests the module's test classes
   * @param moduleServers the module's own test support that starts servers (class names)
   */
  public static ArchRule testsThatStartServersAreTagged(
      JavaClasses tests, List<String> moduleServers) {
    Set<String> servers = new HashSet<>(TESTKIT_SERVERS);
    servers.addAll(moduleServers);
    DescribedPredicate<JavaClass> startServers =
        DescribedPredicate.describe(
            "start servers",
            test ->
                tests.stream()
                    .filter(c -> c.equals(test) || c.getName().startsWith(test.getName() + "$"))
                    .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
                    .anyMatch(d -> servers.contains(d.getTargetClass().getName())));
    return classes()
        .that()
        .areTopLevelClasses()
        .and()
        .haveSimpleNameEndingWith("Test")
        .and(startServers)
        .should()
        .beAnnotatedWith(Integration.class)
        .because(
            "./mvnw test runs the tests without servers in seconds; failsafe runs the others in verify");
  }
}

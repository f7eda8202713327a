package io.redisgrpc.gateway;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.redisgrpc.testkit.IntegrationRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's package structure (package-info.java in each package says what it is for),
 * enforced.
 */
class ArchitectureTest {
  static final JavaClasses GATEWAY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.redisgrpc.gateway");

  static final JavaClasses TESTS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
          .importPackages("io.redisgrpc.gateway");

  @Test
  void noPackageCycles() {
    slices().matching("io.redisgrpc.gateway.(**)").should().beFreeOfCycles().check(GATEWAY);
  }

  @Test
  void testsThatStartServersRunAsIntegrationTests() {
    IntegrationRule.testsThatStartServersAreTagged(
            TESTS,
            List.of("io.redisgrpc.gateway.TestGateway", "io.redisgrpc.gateway.GatewayServer"))
        .check(TESTS);
  }
}

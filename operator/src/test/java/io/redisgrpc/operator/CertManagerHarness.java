package io.redisgrpc.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.redisgrpc.testkit.CertManagerController;
import java.nio.file.Path;

/**
 * The real cert-manager controller ({@link CertManagerController}) against the test API server of
 * {@link TestCluster}, started once per test JVM and stopped when it exits.
 *
 * <p>Without the binary the calling test is skipped, unless {@code CI=true}: then it fails.
 */
public final class CertManagerHarness {
  private static CertManagerController controller;
  private static boolean crdsInstalled;

  private CertManagerHarness() {}

  public static boolean binaryPresent() {
    return CertManagerController.binaryPresent();
  }

  public static void requireBinary() {
    CertManagerController.requireBinary();
  }

  /** Installs cert-manager's CRDs once and waits until they are served. */
  public static synchronized void installCrds(KubernetesClient client) {
    if (!crdsInstalled) {
      CertManagerController.installCrds(client);
      crdsInstalled = true;
    }
  }

  /** Installs the CRDs (if needed) and starts the controller once per JVM. */
  public static synchronized void start(KubernetesClient client) {
    installCrds(client);
    if (controller != null && controller.isAlive()) {
      return;
    }
    controller = CertManagerController.start(TestCluster.kubeconfigYaml());
    Runtime.getRuntime().addShutdownHook(new Thread(controller::close, "cert-manager-stop"));
  }

  /** The controller's log file (for assertion messages). */
  public static Path log() {
    return controller == null ? null : controller.log();
  }
}

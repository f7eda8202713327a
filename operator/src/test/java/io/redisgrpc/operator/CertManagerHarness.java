package io.redisgrpc.operator;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;

/**
 * The real cert-manager controller (built by {@code hack/cert-manager-binaries.sh}) against the
 * test API server of {@link TestCluster}: its CRDs are installed, and the controller runs as a
 * process with a kubeconfig for that API server, without leader election. One per test JVM.
 *
 * <p>Without the binary the calling test is skipped, unless {@code CI=true}: then it fails.
 */
public final class CertManagerHarness {
  public static final String VERSION = System.getenv().getOrDefault("CERT_MANAGER_VERSION", "1.21.2");
  private static Process controller;
  private static Path log;
  private static boolean crdsInstalled;

  private CertManagerHarness() {}

  public static Path directory() {
    String base = System.getenv().getOrDefault("CERT_MANAGER_CACHE", System.getProperty("user.home") + "/.cache/redisgrpc/cert-manager");
    return Path.of(base, VERSION);
  }

  public static boolean binaryPresent() {
    return Files.isExecutable(directory().resolve("cert-manager-controller")) && Files.isDirectory(directory().resolve("crds"));
  }

  /** Skips (or, on CI, fails) the calling test when the cert-manager binary is not there. */
  public static void requireBinary() {
    Path binary = directory().resolve("cert-manager-controller");
    if (binaryPresent()) {
      return;
    }
    String message = "cert-manager v" + VERSION + " not found at " + binary + ": run hack/cert-manager-binaries.sh";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: the TLS tests must run)");
    }
    Assumptions.abort(message);
  }

  /** Installs cert-manager's CRDs and waits until they are served. */
  public static synchronized void installCrds(KubernetesClient client) {
    requireBinary();
    if (crdsInstalled) {
      return;
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(directory().resolve("crds"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        client.resource(crd).serverSideApply();
        Awaitility.await("CRD " + crd.getMetadata().getName() + " established").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          CustomResourceDefinition current = client.apiextensions().v1().customResourceDefinitions()
              .withName(crd.getMetadata().getName()).get();
          return current.getStatus() != null && current.getStatus().getConditions().stream()
              .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    crdsInstalled = true;
  }

  /** Installs the CRDs (if needed) and starts the controller once per JVM. */
  public static synchronized void start(KubernetesClient client) {
    installCrds(client);
    if (controller != null && controller.isAlive()) {
      return;
    }
    try {
      Path dir = Files.createTempDirectory("cert-manager");
      Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), TestCluster.kubeconfigYaml());
      log = dir.resolve("cert-manager-controller.log");
      controller = new ProcessBuilder(directory().resolve("cert-manager-controller").toString(),
          "--kubeconfig=" + kubeconfig,
          "--cluster-resource-namespace=cert-manager",
          "--concurrent-workers=2")
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(CertManagerHarness::stop, "cert-manager-stop"));
  }

  /** The controller's log file (for assertion messages). */
  public static Path log() {
    return log;
  }

  private static synchronized void stop() {
    if (controller != null) {
      controller.destroy();
      try {
        controller.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

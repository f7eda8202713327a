package io.redisgrpc.testkit;

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
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real cert-manager controller, built by {@code hack/cert-manager-binaries.sh}, run as a
 * process against any API server (the operator tests' test API server, or the end-to-end node),
 * with its CRDs installed first.
 *
 * <p>Without the binary the calling test is skipped, unless {@code CI=true}: then it fails.
 */
public final class CertManagerController implements AutoCloseable {
  public static final String VERSION =
      System.getenv().getOrDefault("CERT_MANAGER_VERSION", "1.21.2");

  private final Process process;
  private final Path log;

  private CertManagerController(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static Path directory() {
    String base = System.getenv("CERT_MANAGER_CACHE");
    return (base == null || base.isBlank()
            ? UserHome.path().resolve(".cache/redisgrpc/cert-manager")
            : Path.of(base))
        .resolve(VERSION);
  }

  public static boolean binaryPresent() {
    return Files.isExecutable(directory().resolve("cert-manager-controller"))
        && Files.isDirectory(directory().resolve("crds"));
  }

  /** Skips (or, on CI, fails) the calling test when the cert-manager binary is not there. */
  public static void requireBinary() {
    if (binaryPresent()) {
      return;
    }
    String message =
        "cert-manager v"
            + VERSION
            + " not found at "
            + directory().resolve("cert-manager-controller")
            + ": run hack/cert-manager-binaries.sh";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(message + " (CI=true: the TLS tests must run)");
    }
    Assumptions.abort(message);
  }

  /**
   * Installs cert-manager's CRDs (server-side apply, so again is harmless) and waits until they are
   * served.
   */
  public static void installCrds(KubernetesClient client) {
    requireBinary();
    List<Path> files;
    try (Stream<Path> list = Files.list(directory().resolve("crds"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        CustomResourceDefinition crd =
            client.apiextensions().v1().customResourceDefinitions().load(in).item();
        client.resource(crd).forceConflicts().serverSideApply();
        Awaitility.await("CRD " + crd.getMetadata().getName() + " established")
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () -> {
                  CustomResourceDefinition current =
                      client
                          .apiextensions()
                          .v1()
                          .customResourceDefinitions()
                          .withName(crd.getMetadata().getName())
                          .get();
                  return current.getStatus() != null
                      && current.getStatus().getConditions().stream()
                          .anyMatch(
                              c ->
                                  "Established".equals(c.getType())
                                      && "True".equals(c.getStatus()));
                });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Starts the controller against the API server the kubeconfig names (CRDs must be installed). */
  public static CertManagerController start(String kubeconfigYaml) {
    requireBinary();
    try {
      Path dir = Files.createTempDirectory("cert-manager");
      Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfigYaml);
      Path log = dir.resolve("cert-manager-controller.log");
      Process process =
          new ProcessBuilder(
                  directory().resolve("cert-manager-controller").toString(),
                  "--kubeconfig=" + kubeconfig,
                  "--cluster-resource-namespace=cert-manager",
                  "--concurrent-workers=2")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      return new CertManagerController(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The controller's log file (for assertion messages). */
  public Path log() {
    return log;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

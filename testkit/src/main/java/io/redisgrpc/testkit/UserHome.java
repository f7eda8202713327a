package io.redisgrpc.testkit;

import java.nio.file.Path;

/**
 * Where the {@code hack/} scripts cache what they build: under {@code $HOME}. Java's {@code
 * user.home} comes from the password database and ignores {@code HOME}, so with HOME pointed at an
 * empty directory (a clean-machine run of {@code .ci/run}) the tests looked in the real home and
 * found binaries that the run had not built, or none at all.
 */
public final class UserHome {
  private UserHome() {}

  /** {@code $HOME}, or {@code user.home} when it is not set. */
  public static Path path() {
    String home = System.getenv("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
  }

  /** The Kubernetes test binaries: {@code $KUBE_API_TEST_DIR}, or {@code ~/.kubeapitest}. */
  public static Path kubeApiTestDir() {
    String dir = System.getenv("KUBE_API_TEST_DIR");
    return dir == null || dir.isBlank() ? path().resolve(".kubeapitest") : Path.of(dir);
  }
}

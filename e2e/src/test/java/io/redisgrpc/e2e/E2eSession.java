package io.redisgrpc.e2e;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Leaves the machine as the suite found it: uninstalls the operator and stops a node it started.
 */
public final class E2eSession implements LauncherSessionListener {
  @Override
  public void launcherSessionClosed(LauncherSession session) {
    E2eEnvironment.shutdown();
  }
}

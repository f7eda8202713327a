package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;

/**
 * Whether the API server serves cert-manager.io/v1 Certificates (API discovery, no CRD read
 * permission needed). Cached briefly: every reconciliation of every TLS cache asks.
 */
public final class CertManagerApi {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static volatile long checkedAt = Long.MIN_VALUE;
  private static volatile boolean available;

  private CertManagerApi() {}

  public static boolean available(KubernetesClient client) {
    long now = System.nanoTime();
    if (checkedAt == Long.MIN_VALUE || now - checkedAt > TTL.toNanos()) {
      boolean found;
      try {
        found = client.supports(Certificate.class);
      } catch (KubernetesClientException e) {
        found = false;
      }
      available = found;
      checkedAt = now;
    }
    return available;
  }

  /** Forget the cached answer (tests install cert-manager's CRDs while the operator runs). */
  public static void forget() {
    checkedAt = Long.MIN_VALUE;
  }
}

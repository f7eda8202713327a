package io.redisgrpc.operator.reconciler;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on a cache for transitions a user should see in `kubectl describe`. */
final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final Clock clock;

  EventRecorder(Clock clock) {
    this.clock = clock;
  }

  void record(
      KubernetesClient client, RedisGrpcCache cache, String type, String reason, String message) {
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(cache.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(
                      cache.getMetadata().getName()
                          + "."
                          + UUID.randomUUID().toString().substring(0, 8))
                  .withNamespace(cache.getMetadata().getNamespace())
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(cache.getApiVersion())
                          .withKind(cache.getKind())
                          .withName(cache.getMetadata().getName())
                          .withNamespace(cache.getMetadata().getNamespace())
                          .withUid(cache.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent("redis-grpc-operator")
                  .endSource()
                  .withReportingComponent("redis-grpc-operator")
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      // An event is informational; never fail a reconciliation over it.
      LOG.warn(
          "could not record event {} on {}: {}",
          reason,
          cache.getMetadata().getName(),
          e.getMessage());
    }
  }
}

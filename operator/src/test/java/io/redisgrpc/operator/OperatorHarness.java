package io.redisgrpc.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.redisgrpc.operator.reconciler.RedisGrpcCacheReconciler;
import java.util.stream.StreamSupport;

/**
 * The real operator (same wiring as OperatorMain) running in the test JVM against the test cluster.
 */
final class OperatorHarness implements AutoCloseable {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Operator operator;

  private final RedisGrpcCacheReconciler reconciler;

  OperatorHarness(KubernetesClient client, String namespace) {
    this(client, namespace, new RedisGrpcCacheReconciler());
  }

  OperatorHarness(KubernetesClient client, String namespace, RedisGrpcCacheReconciler reconciler) {
    this.reconciler = reconciler;
    operator = OperatorMain.create(client, registry, "", false);
    operator.register(reconciler, configuration -> configuration.settingNamespaces(namespace));
    operator.start();
  }

  /** Reconciliations this operator instance has started, from JOSDK's Micrometer metrics. */
  double reconciliations() {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith("operator.sdk.reconciliations.started"))
        .flatMap(m -> StreamSupport.stream(m.measure().spliterator(), false))
        .mapToDouble(Measurement::getValue)
        .sum();
  }

  @Override
  public void close() {
    operator.stop();
    reconciler.close();
  }
}

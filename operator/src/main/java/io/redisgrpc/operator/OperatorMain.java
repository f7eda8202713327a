package io.redisgrpc.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.redisgrpc.operator.lifecycle.PodEndpoints;
import io.redisgrpc.operator.lifecycle.RedisLifecycle;
import io.redisgrpc.operator.reconciler.GatewayRouteProbe;
import io.redisgrpc.operator.reconciler.RedisGrpcCacheReconciler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator. Environment:
 *
 * <ul>
 *   <li>{@code WATCH_NAMESPACES}: comma-separated namespaces to watch; empty = all namespaces.
 *   <li>{@code LEADER_ELECTION_NAMESPACE}: where the Lease lives; empty = no leader election (for a
 *       single local process).
 *   <li>{@code METRICS_PORT}: Prometheus /metrics port (default 8080, -1 = off).
 *   <li>{@code GATEWAY_ROUTE_PROBE}: {@code true} to connect to each gateway Service's ClusterIP
 *       before calling the gateway ready ({@link GatewayRouteProbe}); default {@code true} in a pod
 *       ({@code KUBERNETES_SERVICE_HOST} set), {@code false} outside the cluster, where ClusterIPs
 *       are not reachable.
 * </ul>
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);
  public static final String LEASE_NAME = "redis-grpc-operator";

  private OperatorMain() {}

  public static void main(String[] args) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    int metricsPort = Integer.parseInt(env("METRICS_PORT", "8080"));
    if (metricsPort >= 0) {
      HTTPServer.builder()
          .port(metricsPort)
          .registry(registry.getPrometheusRegistry())
          .buildAndStart();
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    // In a pod, losing leadership ends the process so Kubernetes restarts it as a follower.
    Operator operator = create(client, registry, env("LEADER_ELECTION_NAMESPACE", ""), true);
    String namespaces = env("WATCH_NAMESPACES", "");
    boolean inCluster = !env("KUBERNETES_SERVICE_HOST", "").isBlank();
    GatewayRouteProbe routeProbe =
        Boolean.parseBoolean(env("GATEWAY_ROUTE_PROBE", String.valueOf(inCluster)))
            ? GatewayRouteProbe.tcp(Duration.ofSeconds(1))
            : GatewayRouteProbe.NONE;
    operator.register(
        new RedisGrpcCacheReconciler(
            Clock.systemUTC(), new PodEndpoints(), RedisLifecycle.DRIFT_CHECK, routeProbe),
        configuration -> {
          if (!namespaces.isBlank()) {
            configuration.settingNamespaces(namespaces.split(","));
          }
        });
    operator.start();
    LOG.info(
        "redis-grpc-operator started; watching {}",
        namespaces.isBlank() ? "all namespaces" : namespaces);
  }

  /**
   * The operator with metrics and, when a lease namespace is given, leader election.
   *
   * @param exitOnLostLeadership end the JVM when leadership is lost (in a pod); false in tests
   */
  public static Operator create(
      KubernetesClient client,
      PrometheusMeterRegistry registry,
      String leaseNamespace,
      boolean exitOnLostLeadership) {
    return new Operator(
        overrider -> {
          overrider
              .withKubernetesClient(client)
              .withMetrics(
                  MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry)
                      .build())
              .withUseSSAToPatchPrimaryResource(true)
              // Lets the status patch cache (PrimaryUpdateAndCacheUtils) tell newer versions from
              // older.
              .withParseResourceVersions(true)
              // The caller owns the client (tests restart operators on one client).
              .withCloseClientOnStop(false);
          if (!leaseNamespace.isBlank()) {
            overrider.withLeaderElectionConfiguration(
                LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
                    .withLeaseNamespace(leaseNamespace)
                    .withExitOnStopLeading(exitOnLostLeadership)
                    .build());
          }
        });
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null ? fallback : value;
  }
}

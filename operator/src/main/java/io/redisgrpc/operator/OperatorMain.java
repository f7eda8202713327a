package io.redisgrpc.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.redisgrpc.operator.reconciler.RedisGrpcCacheReconciler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator. Environment:
 * <ul>
 *   <li>{@code WATCH_NAMESPACES}: comma-separated namespaces to watch; empty = all namespaces.</li>
 *   <li>{@code LEADER_ELECTION_NAMESPACE}: where the Lease lives; empty = no leader election
 *       (for a single local process).</li>
 *   <li>{@code METRICS_PORT}: Prometheus /metrics port (default 8080, -1 = off).</li>
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
      serveMetrics(registry, metricsPort);
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = create(client, registry, env("LEADER_ELECTION_NAMESPACE", ""));
    String namespaces = env("WATCH_NAMESPACES", "");
    operator.register(new RedisGrpcCacheReconciler(), configuration -> {
      if (!namespaces.isBlank()) {
        configuration.settingNamespaces(namespaces.split(","));
      }
    });
    operator.start();
    LOG.info("redis-grpc-operator started; watching {}", namespaces.isBlank() ? "all namespaces" : namespaces);
  }

  /** The operator with metrics and, when a namespace is given, leader election. */
  public static Operator create(KubernetesClient client, PrometheusMeterRegistry registry, String leaseNamespace) {
    return new Operator(overrider -> {
      overrider.withKubernetesClient(client)
          .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build())
          .withUseSSAToPatchPrimaryResource(true)
          // The caller owns the client (tests restart operators on one client).
          .withCloseClientOnStop(false);
      if (!leaseNamespace.isBlank()) {
        overrider.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE_NAME, leaseNamespace));
      }
    });
  }

  private static void serveMetrics(PrometheusMeterRegistry registry, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", exchange -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null ? fallback : value;
  }
}

package io.redisgrpc.gateway.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The gateway's plaintext HTTP port: {@code /metrics} for Prometheus, and the kubelet's probes.
 *
 * <ul>
 *   <li>{@code /live}: 200 while the process runs; it never depends on Redis, so a Redis outage
 *       does not get healthy gateways restarted;
 *   <li>{@code /ready}: 503 with the reason until the gateway can first serve (Redis answers and,
 *       in Cluster mode, every slot has a known master), then 200: a later Redis problem is
 *       answered per call with UNAVAILABLE and shown by the gRPC health service, and does not take
 *       every gateway out of its Service at once. It works with mTLS on the gRPC port too, where
 *       the kubelet's gRPC probe cannot connect.
 * </ul>
 *
 * It starts before the gateway connects to Redis, so a gateway waiting for Redis is alive and not
 * ready instead of crash-looping.
 */
public final class HttpEndpoints implements AutoCloseable {
  /** Why the gateway cannot serve yet; empty when it can. */
  private volatile Supplier<String> notReadyReason = () -> "connecting to Redis";

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoints(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static HttpEndpoints start(String bind, int port, PrometheusRegistry registry) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(bind, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the metrics port " + port, e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-http");
              thread.setDaemon(true);
              return thread;
            });
    HttpEndpoints endpoints = new HttpEndpoints(server, executor);
    server.createContext("/metrics", new MetricsHandler(registry));
    server.createContext("/live", exchange -> respond(exchange, 200, "alive\n"));
    server.createContext(
        "/ready",
        exchange -> {
          String reason = endpoints.notReadyReason.get();
          respond(
              exchange,
              reason.isEmpty() ? 200 : 503,
              reason.isEmpty() ? "ready\n" : "not ready: " + reason + "\n");
        });
    server.setExecutor(executor);
    server.start();
    return endpoints;
  }

  /**
   * From now on /ready asks this; it returns the reason the gateway cannot serve, or "" when it
   * can.
   */
  public void readiness(Supplier<String> notReadyReason) {
    this.notReadyReason = notReadyReason;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ready means serving: the kubelet's probes (HTTP /live and /ready on the metrics port) and the
 * gRPC health service say SERVING only when a client's call can succeed, so a Service never
 * routes to a gateway that would fail the call.
 */
class ReadinessTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aGatewayStartedBeforeRedisIsAliveButNotReadyUntilRedisAnswers(@TempDir Path dir) throws Exception {
    RedisProcess redis = RedisProcess.server(dir, List.of());
    int metricsPort = RedisProcess.freePort();
    // Starting blocks while Redis cannot be reached; the probes answer meanwhile.
    CompletableFuture<TestGateway> starting = CompletableFuture.supplyAsync(() -> TestGateway.start(
        "--metrics-port=" + metricsPort, "--redis-nodes=" + redis.hostAndPort()));
    try {
      Awaitility.await("/live answers while the gateway waits for Redis").atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> get(metricsPort, "/live").statusCode() == 200);
      HttpResponse<String> ready = get(metricsPort, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("connecting to Redis");
      assertThat(starting).isNotDone();

      redis.start();
      TestGateway gateway = starting.get(30, TimeUnit.SECONDS);
      try {
        Awaitility.await("/ready once Redis answers").atMost(Duration.ofSeconds(20))
            .until(() -> get(metricsPort, "/ready").statusCode() == 200);
        gateway.cache().set(SetRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")).build());
      } finally {
        gateway.close();
      }
    } finally {
      starting.thenAccept(TestGateway::close);
      redis.close();
    }
  }

  @Test
  void aClusterGatewayIsReadyOnlyOnceEverySlotHasAMasterAndThenItsFirstCallSucceeds(@TempDir Path dir) throws Exception {
    try (RedisClusterHarness cluster = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      int metricsPort = RedisProcess.freePort();
      // The nodes run but hold no slots yet: the gateway connects, and must not claim to serve.
      try (TestGateway gateway = TestGateway.start("--metrics-port=" + metricsPort, "--redis-mode=cluster",
          "--redis-nodes=" + cluster.nodes().get(0).hostAndPort(), "--topology-refresh-ms=600000")) {
        Awaitility.await("/ready explains the missing slots").atMost(Duration.ofSeconds(10)).ignoreExceptions()
            .until(() -> get(metricsPort, "/ready").body().contains("slots have no known master"));
        assertThat(get(metricsPort, "/ready").statusCode()).isEqualTo(503);
        assertThat(health(gateway)).isEqualTo(ServingStatus.NOT_SERVING);

        cluster.form();
        // The periodic refresh is ten minutes away: readiness itself must fetch the new topology.
        Awaitility.await("/ready once the cluster covers every slot").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
            .until(() -> get(metricsPort, "/ready").statusCode() == 200);
        // The first call after Ready succeeds, whichever slot it lands in.
        for (int i = 0; i < 50; i++) {
          gateway.cache().set(SetRequest.newBuilder().setKey(bytes("first-" + i)).setValue(bytes("v")).build());
        }
        assertThat(gateway.cache().get(GetRequest.newBuilder().setKey(bytes("first-7")).build()).getFound()).isTrue();
        assertThat(health(gateway)).isEqualTo(ServingStatus.SERVING);
      }
    }
  }

  private static ServingStatus health(TestGateway gateway) {
    return HealthGrpc.newBlockingStub(gateway.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().build()).getStatus();
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
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
 * gRPC health service say SERVING only once a client's call can succeed, so a Service never routes
 * to a gateway that has not reached Redis yet; later the gRPC health follows Redis.
 */
@Integration
class ReadinessTest {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aGatewayStartedBeforeRedisIsAliveButNotReadyUntilRedisAnswers(@TempDir Path dir)
      throws Exception {
    RedisProcess redis = RedisProcess.server(dir, List.of());
    int metricsPort = RedisProcess.freePort();
    // Starting blocks while Redis cannot be reached; the probes answer meanwhile.
    CompletableFuture<TestGateway> starting =
        CompletableFuture.supplyAsync(
            () ->
                TestGateway.start(
                    "--metrics-port=" + metricsPort, "--redis-nodes=" + redis.hostAndPort()));
    try {
      Awaitility.await("/live answers while the gateway waits for Redis")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(() -> get(metricsPort, "/live").statusCode() == 200);
      HttpResponse<String> ready = get(metricsPort, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("connecting to Redis");
      assertThat(starting).isNotDone();

      redis.start();
      TestGateway gateway = starting.get(30, TimeUnit.SECONDS);
      try {
        Awaitility.await("/ready once Redis answers")
            .atMost(Duration.ofSeconds(20))
            .until(() -> get(metricsPort, "/ready").statusCode() == 200);
        gateway
            .cache()
            .set(SetRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")).build());
      } finally {
        gateway.close();
      }
    } finally {
      starting.thenAccept(TestGateway::close);
      redis.close();
    }
  }

  @Test
  void aClusterGatewayIsReadyOnlyOnceEverySlotHasAMasterAndThenItsFirstCallSucceeds(
      @TempDir Path dir) throws Exception {
    try (RedisClusterHarness cluster = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      int metricsPort = RedisProcess.freePort();
      // The nodes run but hold no slots yet: the gateway connects, and must not claim to serve.
      try (TestGateway gateway =
          TestGateway.start(
              "--metrics-port=" + metricsPort,
              "--redis-mode=cluster",
              "--redis-nodes=" + cluster.nodes().get(0).hostAndPort(),
              "--topology-refresh-ms=600000")) {
        Awaitility.await("/ready explains the missing slots")
            .atMost(Duration.ofSeconds(10))
            .ignoreExceptions()
            .until(() -> get(metricsPort, "/ready").body().contains("slots have no known master"));
        assertThat(get(metricsPort, "/ready").statusCode()).isEqualTo(503);
        assertThat(health(gateway)).isEqualTo(ServingStatus.NOT_SERVING);

        cluster.form();
        // The periodic refresh is ten minutes away: readiness itself must fetch the new topology.
        Awaitility.await("/ready once the cluster covers every slot")
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> get(metricsPort, "/ready").statusCode() == 200);
        // The first call after Ready succeeds, whichever slot it lands in.
        for (int i = 0; i < 50; i++) {
          gateway
              .cache()
              .set(
                  SetRequest.newBuilder().setKey(bytes("first-" + i)).setValue(bytes("v")).build());
        }
        assertThat(
                gateway
                    .cache()
                    .get(GetRequest.newBuilder().setKey(bytes("first-7")).build())
                    .getFound())
            .isTrue();
        assertThat(health(gateway)).isEqualTo(ServingStatus.SERVING);
      }
    }
  }

  /**
   * Once it has served, a gateway stays ready through a Redis outage: every gateway sees the same
   * Redis, so failing readiness would empty the Service and turn each call's UNAVAILABLE (with its
   * reason) into connection refused. The gRPC health service still follows Redis.
   */
  @Test
  void aGatewayThatHasServedStaysReadyThroughARedisOutageWhileItsHealthFollowsRedis(
      @TempDir Path dir) throws Exception {
    try (RedisProcess redis = RedisProcess.server(dir, List.of())) {
      redis.start();
      int metricsPort = RedisProcess.freePort();
      try (TestGateway gateway =
          TestGateway.start(
              "--metrics-port=" + metricsPort, "--redis-nodes=" + redis.hostAndPort())) {
        Awaitility.await("/ready once Redis answers")
            .atMost(Duration.ofSeconds(20))
            .until(() -> get(metricsPort, "/ready").statusCode() == 200);
        redis.stop();
        Awaitility.await("health NOT_SERVING while Redis is down")
            .atMost(Duration.ofSeconds(20))
            .ignoreExceptions()
            .until(() -> health(gateway) == ServingStatus.NOT_SERVING);
        assertThat(get(metricsPort, "/ready").statusCode())
            .as("/ready during the outage")
            .isEqualTo(200);
        assertThatThrownBy(
                () ->
                    gateway
                        .cache()
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .set(
                            SetRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setValue(bytes("v"))
                                .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        redis.start();
        Awaitility.await("health SERVING once Redis is back")
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> health(gateway) == ServingStatus.SERVING);
      }
    }
  }

  private static ServingStatus health(TestGateway gateway) {
    return HealthGrpc.newBlockingStub(gateway.channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().build())
        .getStatus();
  }

  private static HttpResponse<String> get(int port, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(3))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

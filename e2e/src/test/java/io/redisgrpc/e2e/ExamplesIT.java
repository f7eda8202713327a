package io.redisgrpc.e2e;

import static io.redisgrpc.e2e.GatewayClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Condition;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.BatchRequest;
import io.redisgrpc.api.v1.BatchResponse;
import io.redisgrpc.api.v1.FillLeaseRequest;
import io.redisgrpc.api.v1.GetOrLeaseRequest;
import io.redisgrpc.api.v1.GetOrLeaseResponse;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.OperationResult;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import io.redisgrpc.api.v1.PublishRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.api.v1.SubscribeEvent;
import io.redisgrpc.api.v1.SubscribeRequest;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.testkit.CertManagerController;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every file in examples/ on the real node: applied as a user would, Ready=True with real pods, and
 * then (at once, no retry) served over gRPC from the host through the gateway's Service. Ready must
 * mean serving: the first call after Ready=True has to succeed.
 */
class ExamplesIT {
  static final Duration READY_DEADLINE = Duration.ofMinutes(6);
  static E2eEnvironment env;
  static CertManagerController certManager;

  @BeforeAll
  static void environment() {
    env = E2eEnvironment.get();
  }

  /**
   * A test that failed half-way leaves its cache; it goes here, or its pods would hold the next
   * test's CPU.
   */
  @AfterEach
  void removeWhatAFailedTestLeft() {
    DeployedCache.removeLeftovers();
  }

  @AfterAll
  static void stopCertManager() {
    if (certManager != null) {
      certManager.close();
    }
  }

  @Test
  void clusterMinimalServesGrpcFromRealPods() throws Exception {
    DeployedCache cache = DeployedCache.apply(env, "examples/cluster-minimal.yaml", "e2e-cluster");
    cache.awaitReady(READY_DEADLINE);
    try (GatewayClient client = GatewayClient.plaintext(cache.gatewayService())) {
      servesEveryKindOfCall(client, "");
    }
    RedisGrpcCache seen = cache.get();
    assertThat(seen.getStatus().redis.clusterFormed).isTrue();
    assertThat(seen.getStatus().redis.slotsAssigned).isEqualTo(16384);
    assertThat(cache.pods()).hasSize(8);
    assertUserView(cache, "Cluster", "6/6", "2/2");
    assertThat(cache.deleteAndAwaitGone()).as("no persistence, so no volume claims").isEmpty();
    cache.deleteNamespace();
  }

  @Test
  void sentinelServesGrpcFromRealPods() throws Exception {
    DeployedCache cache = DeployedCache.apply(env, "examples/sentinel.yaml", "e2e-sentinel");
    cache.awaitReady(READY_DEADLINE);
    try (GatewayClient client = GatewayClient.plaintext(cache.gatewayService())) {
      servesEveryKindOfCall(client, "");
    }
    RedisGrpcCache seen = cache.get();
    assertThat(seen.getStatus().redis.master).as("the master the sentinels agree on").isNotBlank();
    assertThat(
            cache
                .client
                .services()
                .inNamespace(cache.namespace)
                .withName(cache.name + "-master")
                .get())
        .isNotNull();
    assertUserView(cache, "Sentinel", "3/3", "2/2");
    // Persistence RDB: each data pod has a claim. A StatefulSet keeps its claims when it goes
    // (retention policy Retain, the Kubernetes default), so the data survives a delete of the
    // cache.
    assertThat(cache.deleteAndAwaitGone())
        .containsExactly("data-sessions-redis-0", "data-sessions-redis-1", "data-sessions-redis-2");
    cache.deleteNamespace();
  }

  @Test
  void tlsWithPerClientIdentitiesServesEachClientInItsOwnScope() throws Exception {
    CertManagerController.installCrds(env.client);
    certManager = CertManagerController.start(Files.readString(env.kubeconfig));
    DeployedCache cache = DeployedCache.apply(env, "examples/clients-and-rotation.yaml", "e2e-tls");
    cache.awaitReady(READY_DEADLINE);
    RedisGrpcCache seen = cache.get();
    assertThat(seen.getStatus().clients)
        .extracting(c -> c.name)
        .containsExactly("orders", "catalog", "reporting");
    String ordersSecret = secretOf(seen, "orders");
    try (GatewayClient orders =
            GatewayClient.mtls(cache.gatewayService(), cache.secret(ordersSecret));
        GatewayClient catalog =
            GatewayClient.mtls(cache.gatewayService(), cache.secret(secretOf(seen, "catalog")));
        GatewayClient reporting =
            GatewayClient.mtls(cache.gatewayService(), cache.secret(secretOf(seen, "reporting")))) {
      servesEveryKindOfCall(orders, "orders");
      // Each client sees only its own key space: the gateway prefixes keys per client.
      assertThat(
              catalog
                  .cache()
                  .get(GetRequest.newBuilder().setKey(bytes("first")).build())
                  .getFound())
          .as("catalog does not see orders' key")
          .isFalse();
      // A read-only client is refused a write, with the reason.
      assertThatThrownBy(
              () ->
                  reporting
                      .cache()
                      .set(SetRequest.newBuilder().setKey(bytes("x")).setValue(bytes("y")).build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).contains("'write'");
              });
    }
    assertUserView(cache, "Cluster", "6/6", "2/2");
    assertThat(cache.deleteAndAwaitGone()).isEmpty();
    cache.deleteNamespace();
  }

  private static String secretOf(RedisGrpcCache cache, String client) {
    return cache.getStatus().clients.stream()
        .filter(c -> client.equals(c.name))
        .findFirst()
        .map(c -> c.certificateSecret)
        .orElseThrow(() -> new AssertionError("no status.clients entry for " + client));
  }

  /**
   * Set/Get (the very first call after Ready), a cross-slot Batch, a Pipeline stream,
   * Publish/Subscribe and GetOrLease.
   */
  static void servesEveryKindOfCall(GatewayClient client, String who) throws Exception {
    client
        .cache()
        .set(
            SetRequest.newBuilder()
                .setKey(bytes("first"))
                .setValue(bytes("value of " + who))
                .build());
    assertThat(
            client
                .cache()
                .get(GetRequest.newBuilder().setKey(bytes("first")).build())
                .getValue()
                .toStringUtf8())
        .isEqualTo("value of " + who);

    // Twenty keys land in many slots, so on several masters.
    BatchRequest.Builder writes = BatchRequest.newBuilder();
    BatchRequest.Builder reads = BatchRequest.newBuilder();
    for (int i = 0; i < 20; i++) {
      writes.addOperations(
          Operation.newBuilder()
              .setSet(
                  SetRequest.newBuilder().setKey(bytes("batch-" + i)).setValue(bytes("v" + i))));
      reads.addOperations(
          Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes("batch-" + i))));
    }
    assertThat(client.cache().batch(writes.build()).getResultsList())
        .allSatisfy(r -> assertThat(r.hasError()).isFalse());
    BatchResponse read = client.cache().batch(reads.build());
    for (int i = 0; i < 20; i++) {
      assertThat(read.getResults(i).getGet().getValue().toStringUtf8()).isEqualTo("v" + i);
    }

    // A Pipeline stream of 200 writes; every id answered, none with an error.
    ConcurrentHashMap<Long, OperationResult> answers = new ConcurrentHashMap<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PipelineRequest> requests =
        client
            .cacheAsync()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .pipeline(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PipelineResponse response) {
                    answers.put(response.getId(), response.getResult());
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (long id = 1; id <= 200; id++) {
      requests.onNext(
          PipelineRequest.newBuilder()
              .setId(id)
              .setOperation(
                  Operation.newBuilder()
                      .setSet(
                          SetRequest.newBuilder()
                              .setKey(bytes("pipe-" + id))
                              .setValue(bytes("p" + id))))
              .build());
    }
    requests.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    assertThat(answers).hasSize(200);
    assertThat(answers.values()).allSatisfy(r -> assertThat(r.hasError()).as("%s", r).isFalse());

    // Publish/Subscribe: the message published after Subscribed arrives.
    BlockingQueue<SubscribeEvent> events = new LinkedBlockingQueue<>();
    Context.CancellableContext subscription = Context.current().withCancellation();
    subscription.run(
        () ->
            client
                .pubSubAsync()
                .subscribe(
                    SubscribeRequest.newBuilder().addChannels(bytes("news")).build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(SubscribeEvent event) {
                        events.add(event);
                      }

                      @Override
                      public void onError(Throwable t) {
                        // cancelled at the end of the test
                      }

                      @Override
                      public void onCompleted() {}
                    }));
    try {
      SubscribeEvent first = events.poll(10, TimeUnit.SECONDS);
      assertThat(first).as("Subscribed event").isNotNull();
      assertThat(first.hasSubscribed()).isTrue();
      // (receivers counts the subscribers on the node that took the publish; in Cluster mode the
      // subscription may sit on another node, which the cluster bus forwards it to.)
      client
          .pubSub()
          .publish(
              PublishRequest.newBuilder()
                  .setChannel(bytes("news"))
                  .setMessage(bytes("hello"))
                  .build());
      SubscribeEvent message = events.poll(10, TimeUnit.SECONDS);
      while (message != null && message.hasHeartbeat()) {
        message = events.poll(10, TimeUnit.SECONDS);
      }
      assertThat(message).as("the published message").isNotNull();
      assertThat(message.getMessage().getPayload()).isEqualTo(bytes("hello"));
    } finally {
      subscription.cancel(null);
    }

    // Cache-aside: a miss grants the lease, FillLease stores the value, the next call hits.
    GetOrLeaseResponse miss =
        client
            .cache()
            .getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("lease-key")).build());
    assertThat(miss.getOutcome()).isEqualTo(GetOrLeaseResponse.Outcome.LEASE_GRANTED);
    client
        .cache()
        .fillLease(
            FillLeaseRequest.newBuilder()
                .setKey(bytes("lease-key"))
                .setLeaseToken(miss.getLeaseToken())
                .setValue(bytes("loaded"))
                .build());
    GetOrLeaseResponse hit =
        client
            .cache()
            .getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("lease-key")).build());
    assertThat(hit.getOutcome()).isEqualTo(GetOrLeaseResponse.Outcome.HIT);
    assertThat(hit.getValue()).isEqualTo(bytes("loaded"));
  }

  /** kubectl get rgc and describe, as a user sees them: the columns, and the Ready event. */
  static void assertUserView(DeployedCache cache, String mode, String redis, String gateway) {
    List<String> lines = cache.kubectl("get", "rgc", cache.name).lines().toList();
    assertThat(lines.get(0))
        .containsSubsequence("NAME", "MODE", "READY", "REDIS", "GATEWAY", "AGE");
    assertThat(lines.get(1).split("\\s+"))
        .containsSubsequence(cache.name, mode, "True", redis, gateway);
    String wide = cache.kubectl("get", "rgc", cache.name, "-o", "wide");
    assertThat(wide).contains(cache.name + "-gateway." + cache.namespace + ".svc:50051");
    String described = cache.kubectl("describe", "rgc", cache.name);
    assertThat(described).contains("Events:");
    assertThat(described.lines().filter(line -> line.matches("\\s*Normal\\s+Ready\\s.*")))
        .as("one Ready event:%n%s", described)
        .hasSize(1);
    Condition degraded = cache.condition("Degraded").orElseThrow();
    assertThat(degraded.getStatus()).isEqualTo("False");
  }
}

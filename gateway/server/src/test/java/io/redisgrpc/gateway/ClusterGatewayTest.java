package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Status;
import io.lettuce.core.cluster.SlotHash;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.gateway.redis.ClusterNodeAddresses;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway in front of a real 3-master / 3-replica Redis Cluster. */
@Integration
class ClusterGatewayTest {
  @TempDir static Path dir;
  static RedisClusterHarness cluster;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    cluster = RedisClusterHarness.start(dir, 3, 1, List.of());
    gateway =
        TestGateway.start(
            "--redis-mode=cluster", "--redis-nodes=" + cluster.nodes().get(0).hostAndPort());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    cluster.close();
  }

  @Test
  void batchSpansSlotsOnEveryMaster() {
    List<String> keys = IntStream.range(0, 60).mapToObj(i -> "user:" + i).toList();
    Set<Integer> slots = keys.stream().map(k -> SlotHash.getSlot(k)).collect(Collectors.toSet());
    assertThat(slots).as("keys in many slots").hasSizeGreaterThan(30);
    BatchRequest.Builder writes = BatchRequest.newBuilder();
    keys.forEach(
        k ->
            writes.addOperations(
                Operation.newBuilder()
                    .setSet(SetRequest.newBuilder().setKey(bytes(k)).setValue(bytes("v-" + k)))));
    BatchResponse written = gateway.cache().batch(writes.build());
    assertThat(written.getResultsList())
        .allSatisfy(r -> assertThat(r.getSet().getApplied()).isTrue());

    BatchRequest.Builder reads = BatchRequest.newBuilder();
    keys.forEach(
        k ->
            reads.addOperations(
                Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes(k)))));
    BatchResponse read = gateway.cache().batch(reads.build());
    for (int i = 0; i < keys.size(); i++) {
      assertThat(read.getResults(i).getGet().getValue().toStringUtf8())
          .isEqualTo("v-" + keys.get(i));
    }
    // The keys really are spread over all three masters.
    long mastersHoldingKeys =
        cluster.nodes().stream()
            .filter(
                n ->
                    "master"
                        .equals(
                            RedisNodes.parseInfo(
                                    RedisNodes.withNode(n.port(), c -> c.info("replication")))
                                .get("role")))
            .filter(n -> RedisNodes.withNode(n.port(), c -> c.dbsize()) > 0)
            .count();
    assertThat(mastersHoldingKeys).isEqualTo(3);
  }

  @Test
  void multiKeyDeleteAndExistsAcrossSlots() {
    gateway
        .cache()
        .set(SetRequest.newBuilder().setKey(bytes("a-key")).setValue(bytes("1")).build());
    gateway
        .cache()
        .set(SetRequest.newBuilder().setKey(bytes("b-key")).setValue(bytes("2")).build());
    assertThat(SlotHash.getSlot("a-key")).isNotEqualTo(SlotHash.getSlot("b-key"));
    assertThat(
            gateway
                .cache()
                .exists(
                    ExistsRequest.newBuilder()
                        .addKeys(bytes("a-key"))
                        .addKeys(bytes("b-key"))
                        .build())
                .getCount())
        .isEqualTo(2);
    assertThat(
            gateway
                .cache()
                .delete(
                    DeleteRequest.newBuilder()
                        .addKeys(bytes("a-key"))
                        .addKeys(bytes("b-key"))
                        .build())
                .getCount())
        .isEqualTo(2);
  }

  @Test
  void crossSlotListMoveNeedsAHashTag() {
    TestGateway.assertFails(
        Status.Code.INVALID_ARGUMENT,
        "CROSS_SLOT",
        () ->
            gateway
                .cache()
                .listMove(
                    ListMoveRequest.newBuilder()
                        .setSource(bytes("queue-a"))
                        .setDestination(bytes("queue-b"))
                        .build()));
    gateway
        .cache()
        .listPush(
            ListPushRequest.newBuilder()
                .setKey(bytes("{q}:ready"))
                .addValues(bytes("job"))
                .build());
    assertThat(
            gateway
                .cache()
                .listMove(
                    ListMoveRequest.newBuilder()
                        .setSource(bytes("{q}:ready"))
                        .setDestination(bytes("{q}:busy"))
                        .build())
                .getValue()
                .toStringUtf8())
        .isEqualTo("job");
  }

  @Test
  void pipelineAndPubSubWorkInClusterMode() {
    String value =
        gateway
            .cache()
            .batch(
                BatchRequest.newBuilder()
                    .addOperations(
                        Operation.newBuilder()
                            .setIncrement(IncrementRequest.newBuilder().setKey(bytes("c1"))))
                    .addOperations(
                        Operation.newBuilder()
                            .setIncrement(IncrementRequest.newBuilder().setKey(bytes("c2"))))
                    .build())
            .getResults(1)
            .getIncrement()
            .toString();
    assertThat(value).contains("int_value: 1");
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            var events =
                gateway
                    .pubSub()
                    .subscribe(
                        SubscribeRequest.newBuilder().addChannels(bytes("cluster-news")).build());
            assertThat(events.next().hasSubscribed()).isTrue();
            gateway
                .pubSub()
                .publish(
                    PublishRequest.newBuilder()
                        .setChannel(bytes("cluster-news"))
                        .setMessage(bytes("hi"))
                        .build());
            assertThat(events.next().getMessage().getPayload().toStringUtf8()).isEqualTo("hi");
          });
    } finally {
      call.cancel(null);
    }
  }

  /**
   * In Kubernetes the nodes announce pod DNS names, which resolve to a pod's old IP for up to the
   * DNS TTL after it comes back elsewhere. The gateway connects to the address the cluster reports
   * for a name instead: here the names cannot be resolved at all (.invalid), so every write to
   * every master, and every MOVED redirect to a name, is served through that map only.
   */
  @Test
  void nodesAnnouncingHostnamesDnsCannotResolveAreReachedAtTheAddressTheClusterReports() {
    try (RedisClusterHarness named =
        RedisClusterHarness.start(dir.resolve("named"), 3, 0, List.of())) {
      for (var node : named.nodes()) {
        RedisNodes.withNode(
            node.port(),
            c ->
                c.configSet(
                    Map.of(
                        "cluster-announce-hostname",
                        "node-" + node.port() + ".invalid",
                        "cluster-preferred-endpoint-type",
                        "hostname")));
      }
      Awaitility.await("every node sees every other node's hostname")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  named.nodes().stream()
                      .allMatch(
                          node ->
                              named.nodes().stream()
                                  .allMatch(
                                      other ->
                                          RedisNodes.withNode(node.port(), c -> c.clusterNodes())
                                              .contains(",node-" + other.port() + ".invalid"))));
      // The gateway trusts the seed's word on another node's address once that node has answered
      // its pings since it started: wait until the seed vouches for all three.
      int seed = named.nodes().get(0).port();
      Awaitility.await("the seed vouches for every node's address")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  RedisNodes.withNode(
                          seed,
                          c ->
                              ClusterNodeAddresses.parse(c.clusterNodes(), c.info("server")).size())
                      == 3);
      try (TestGateway viaNames =
          TestGateway.start(
              "--redis-mode=cluster", "--redis-nodes=" + named.nodes().get(0).hostAndPort())) {
        List<String> keys = IntStream.range(0, 30).mapToObj(i -> "named:" + i).toList();
        for (String key : keys) {
          viaNames
              .cache()
              .set(SetRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v-" + key)).build());
        }
        for (String key : keys) {
          assertThat(
                  viaNames
                      .cache()
                      .get(GetRequest.newBuilder().setKey(bytes(key)).build())
                      .getValue()
                      .toStringUtf8())
              .isEqualTo("v-" + key);
        }
        long mastersHoldingKeys =
            named.nodes().stream()
                .filter(n -> RedisNodes.withNode(n.port(), c -> c.dbsize()) > 0)
                .count();
        assertThat(mastersHoldingKeys)
            .as("the keys went to all three masters, each reached by its name")
            .isEqualTo(3);
      }
    }
  }
}

package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.lettuce.core.cluster.SlotHash;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoping in a real 3-master Redis Cluster, with mTLS, a policy and per-client ACL users on every
 * node: a client's hash tags still colocate its keys (multi-key operations work) and its other keys
 * spread over the slots of all masters.
 */
@Integration
class SecureClusterTest {
  @TempDir static Path dir;
  static RedisClusterHarness cluster;
  static TestGateway gateway;
  static ManagedChannel orders;

  @BeforeAll
  static void start() throws Exception {
    Path creds = Files.createDirectories(dir.resolve("credentials"));
    Files.writeString(creds.resolve("_gateway"), "gw-pw\n");
    Files.writeString(creds.resolve("orders"), "orders-pw\n");
    cluster =
        RedisClusterHarness.start(
            dir,
            3,
            0,
            List.of(
                "user _gateway on >gw-pw ~* &* +@all",
                "user orders on >orders-pw ~orders:* &orders.* +@all -@dangerous"));
    TestCertificates.Issued ca = TestCertificates.ca("cluster-ca");
    Path caFile = dir.resolve("ca.crt");
    TestCertificates.writeString(caFile, ca.certificatePem());
    TestCertificates.Files2 server = TestCertificates.server(ca, "gateway").write(dir, "server");
    TestCertificates.Files2 client =
        TestCertificates.client(ca, "orders", "spiffe://t/orders").write(dir, "orders");
    Path policy = dir.resolve("policy.json");
    Files.writeString(
        policy,
        """
        {"version": 1, "clients": [{"name": "orders", "identities": ["spiffe://t/orders"], "keyPrefix": "orders:",
          "channelPrefix": "orders.", "permissions": ["read", "write", "pubsub"]}]}""");
    gateway =
        TestGateway.start(
            "--redis-mode=cluster",
            "--redis-nodes=" + cluster.nodes().get(0).hostAndPort(),
            "--tls-cert-file=" + server.cert(),
            "--tls-key-file=" + server.key(),
            "--tls-client-ca-file=" + caFile,
            "--policy-file=" + policy,
            "--redis-credentials-dir=" + creds);
    orders =
        Grpc.newChannelBuilderForAddress(
                "localhost",
                gateway.server.port(),
                TlsChannelCredentials.newBuilder()
                    .keyManager(client.cert().toFile(), client.key().toFile())
                    .trustManager(caFile.toFile())
                    .build())
            .build();
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static CacheGrpc.CacheBlockingStub cache() {
    return CacheGrpc.newBlockingStub(orders).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void hashTagsStillColocateKeysBehindThePrefix() {
    cache()
        .listPush(
            ListPushRequest.newBuilder()
                .setKey(bytes("{jobs}:ready"))
                .addValues(bytes("job-1"))
                .build());
    ListMoveResponse moved =
        cache()
            .listMove(
                ListMoveRequest.newBuilder()
                    .setSource(bytes("{jobs}:ready"))
                    .setDestination(bytes("{jobs}:busy"))
                    .build());
    assertThat(moved.getValue().toStringUtf8()).isEqualTo("job-1");
    assertThat(SlotHash.getSlot("orders:{jobs}:busy")).isEqualTo(SlotHash.getSlot("jobs"));
    assertThat(
            cache()
                .listRange(
                    ListRangeRequest.newBuilder()
                        .setKey(bytes("{jobs}:busy"))
                        .setStart(0)
                        .setStop(-1)
                        .build())
                .getValuesList())
        .containsExactly(bytes("job-1"));
  }

  @Test
  void aTenantsKeysSpreadOverAllMasters() {
    BatchRequest.Builder writes = BatchRequest.newBuilder();
    IntStream.range(0, 60)
        .forEach(
            i ->
                writes.addOperations(
                    Operation.newBuilder()
                        .setSet(
                            SetRequest.newBuilder()
                                .setKey(bytes("item:" + i))
                                .setValue(bytes("v" + i)))));
    assertThat(cache().batch(writes.build()).getResultsList())
        .allSatisfy(r -> assertThat(r.getSet().getApplied()).isTrue());
    Set<Integer> slots = new HashSet<>();
    int mastersWithKeys = 0;
    for (RedisProcess node : cluster.nodes()) {
      List<String> keys = RedisNodes.withNode(node.port(), c -> c.keys("orders:item:*"));
      keys.forEach(k -> slots.add(SlotHash.getSlot(k)));
      mastersWithKeys += keys.isEmpty() ? 0 : 1;
    }
    assertThat(slots).as("slots used by one tenant").hasSizeGreaterThan(40);
    assertThat(mastersWithKeys).isEqualTo(3);
    assertThat(
            cache()
                .exists(
                    ExistsRequest.newBuilder()
                        .addKeys(bytes("item:1"))
                        .addKeys(bytes("item:2"))
                        .addKeys(bytes("item:3"))
                        .build())
                .getCount())
        .as("multi-key Exists across slots")
        .isEqualTo(3);
  }

  @Test
  void clusterConnectionsRunAsTheClientsAclUser() {
    cache().set(SetRequest.newBuilder().setKey(bytes("whoami")).setValue(bytes("x")).build());
    long nodesWithOrdersConnections =
        cluster.nodes().stream()
            .filter(n -> RedisNodes.withNode(n.port(), c -> c.clientList()).contains("user=orders"))
            .count();
    assertThat(nodesWithOrdersConnections).isPositive();
  }
}

package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisSentinelHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-client ACL connections also work when the master is found through Sentinel. */
@Integration
class SecureSentinelTest {
  @TempDir static Path dir;
  static RedisSentinelHarness sentinel;
  static TestGateway gateway;
  static ManagedChannel orders;

  @BeforeAll
  static void start() throws Exception {
    Path creds = Files.createDirectories(dir.resolve("credentials"));
    Files.writeString(creds.resolve("_gateway"), "gw-pw\n");
    Files.writeString(creds.resolve("orders"), "orders-pw\n");
    sentinel =
        RedisSentinelHarness.start(
            dir,
            1,
            1,
            1,
            List.of(
                "user _gateway on >gw-pw ~* &* +@all",
                "user orders on >orders-pw ~orders:* &orders.* +@all -@dangerous"));
    TestCertificates.Issued ca = TestCertificates.ca("sentinel-ca");
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
          "channelPrefix": "orders.", "permissions": ["read", "write"]}]}""");
    gateway =
        TestGateway.start(
            "--redis-mode=sentinel",
            "--redis-nodes=" + sentinel.sentinelList(),
            "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME,
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
    if (sentinel != null) {
      sentinel.close();
    }
  }

  @Test
  void clientTrafficRunsOnTheMasterAsTheClientsAclUser() {
    CacheGrpc.CacheBlockingStub cache =
        CacheGrpc.newBlockingStub(orders).withDeadlineAfter(10, TimeUnit.SECONDS);
    cache.set(SetRequest.newBuilder().setKey(bytes("k")).setValue(bytes("via sentinel")).build());
    assertThat(
            cache.get(GetRequest.newBuilder().setKey(bytes("k")).build()).getValue().toStringUtf8())
        .isEqualTo("via sentinel");
    int master = sentinel.currentMaster().port();
    String stored = RedisNodes.withNode(master, c -> c.get("orders:k"));
    assertThat(stored).isEqualTo("via sentinel");
    String clients = RedisNodes.withNode(master, c -> c.clientList());
    assertThat(clients).contains("user=orders").contains("user=_gateway");
  }
}

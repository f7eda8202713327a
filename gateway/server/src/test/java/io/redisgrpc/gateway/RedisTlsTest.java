package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.KillArgs;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway talking TLS to a real redis-server that requires client certificates
 * (tls-auth-clients yes).
 */
@Integration
class RedisTlsTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static int tlsPort;
  static Path caFile;
  static TestCertificates.Files2 gatewayCert;
  static TestCertificates.Issued gatewayCertIssued;

  static TestCertificates.Issued nextCa;
  static Path redisTrust;

  @BeforeAll
  static void start() {
    TestCertificates.Issued ca = TestCertificates.ca("redis-ca");
    nextCa = TestCertificates.ca("redis-ca-next");
    caFile = dir.resolve("ca.crt");
    TestCertificates.writeString(caFile, ca.certificatePem());
    // What Redis trusts for client certificates: both CA generations, as during a CA rotation.
    redisTrust = dir.resolve("redis-trust.crt");
    TestCertificates.writeString(redisTrust, ca.certificatePem() + nextCa.certificatePem());
    TestCertificates.Files2 server = TestCertificates.server(ca, "redis").write(dir, "redis");
    gatewayCertIssued = TestCertificates.client(ca, "_gateway");
    gatewayCert = gatewayCertIssued.write(dir, "gateway-client");
    tlsPort = RedisProcess.freePort();
    // The plain port stays open on loopback for the test's own probes; the gateway uses the TLS
    // port.
    redis =
        RedisProcess.server(
                dir,
                List.of(
                    "tls-port " + tlsPort,
                    "tls-cert-file " + server.cert(),
                    "tls-key-file " + server.key(),
                    "tls-ca-cert-file " + redisTrust,
                    "tls-auth-clients yes"))
            .start();
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void servesOverTlsWithAClientCertificate() {
    try (TestGateway gateway =
        TestGateway.start(
            "--redis-nodes=127.0.0.1:" + tlsPort,
            "--redis-tls",
            "--redis-tls-ca-file=" + caFile,
            "--redis-tls-cert-file=" + gatewayCert.cert(),
            "--redis-tls-key-file=" + gatewayCert.key())) {
      gateway
          .cache()
          .set(
              SetRequest.newBuilder().setKey(bytes("tls-key")).setValue(bytes("over tls")).build());
      assertThat(
              gateway
                  .cache()
                  .get(GetRequest.newBuilder().setKey(bytes("tls-key")).build())
                  .getValue()
                  .toStringUtf8())
          .isEqualTo("over tls");
    }
    String stored = RedisNodes.withNode(redis.port(), c -> c.get("tls-key"));
    assertThat(stored).isEqualTo("over tls");
  }

  @Test
  void renewedClientCertificateIsUsedOnReconnect() throws Exception {
    Path dir2 = Files.createDirectories(dir.resolve("renewal"));
    TestCertificates.Files2 files =
        TestCertificates.client(TestCertificates.ca("unused"), "x").write(dir2, "gateway");
    TestCertificates.writeString(files.cert(), gatewayCertIssued.certificatePem());
    TestCertificates.writeString(files.key(), gatewayCertIssued.keyPem());
    try (TestGateway gateway =
        TestGateway.start(
            "--redis-nodes=127.0.0.1:" + tlsPort,
            "--redis-tls",
            "--redis-tls-ca-file=" + caFile,
            "--redis-tls-cert-file=" + files.cert(),
            "--redis-tls-key-file=" + files.key())) {
      gateway
          .cache()
          .set(SetRequest.newBuilder().setKey(bytes("renew")).setValue(bytes("old cert")).build());
      // The gateway's certificate is renewed from the next CA, then Redis stops trusting the old
      // one.
      TestCertificates.Issued renewed = TestCertificates.client(nextCa, "_gateway");
      TestCertificates.writeString(files.cert(), renewed.certificatePem());
      TestCertificates.writeString(files.key(), renewed.keyPem());
      Path nextOnly = dir.resolve("redis-trust-next.crt");
      TestCertificates.writeString(nextOnly, nextCa.certificatePem());
      RedisNodes.withNode(redis.port(), c -> c.configSet("tls-ca-cert-file", nextOnly.toString()));
      long killed =
          RedisNodes.withNode(redis.port(), c -> c.clientKill(KillArgs.Builder.typeNormal()));
      assertThat(killed).isPositive();
      // Only a reconnect with the renewed certificate can get through now.
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(
              () ->
                  gateway
                      .cache()
                      .set(
                          SetRequest.newBuilder()
                              .setKey(bytes("renew"))
                              .setValue(bytes("new cert"))
                              .build())
                      .getApplied());
    } finally {
      RedisNodes.withNode(
          redis.port(), c -> c.configSet("tls-ca-cert-file", redisTrust.toString()));
    }
    String stored = RedisNodes.withNode(redis.port(), c -> c.get("renew"));
    assertThat(stored).isEqualTo("new cert");
  }

  @Test
  void redisRefusesAGatewayWithoutClientCertificate() {
    // The gateway keeps trying while Redis refuses it (a pod's certificate may still be on its
    // way); with a connect timeout it gives up, and says why.
    assertThatThrownBy(
            () ->
                TestGateway.start(
                        "--redis-nodes=127.0.0.1:" + tlsPort,
                        "--redis-tls",
                        "--redis-tls-ca-file=" + caFile,
                        "--redis-connect-timeout-ms=1500")
                    .close())
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void tlsOptionsAreValidated() {
    assertThatThrownBy(() -> GatewayConfig.parse("--redis-tls-ca-file=" + caFile))
        .hasMessageContaining("--redis-tls");
    assertThatThrownBy(() -> GatewayConfig.parse("--policy-file=/x"))
        .hasMessageContaining("--tls-client-ca-file");
    assertThatThrownBy(() -> GatewayConfig.parse("--tls-cert-file=/x"))
        .hasMessageContaining("--tls-key-file");
  }
}

package io.redisgrpc.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SentinelMasterClientTest {

  @Test
  void aMasterIsRecognisedByItsRoleLineAsRedisSendsIt() {
    assertThat(
            SentinelMasterClient.isMaster(
                "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2\r\n"))
        .isTrue();
  }

  @Test
  void aReplicaOrALoadingPodIsNotAMaster() {
    assertThat(
            SentinelMasterClient.isMaster(
                "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\n"))
        .isFalse();
    assertThat(SentinelMasterClient.isMaster("")).isFalse();
  }

  @Test
  void aConnectionOnAReplicaRetriesAfter100MsDoublingUpToASecond() {
    assertThat(
            IntStream.rangeClosed(1, 7).mapToLong(SentinelMasterClient::retryDelayMillis).toArray())
        .containsExactly(100, 200, 400, 800, 1_000, 1_000, 1_000);
  }
}

package io.redisgrpc.operator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicationRoleTest {
  static final Map<String, Integer> ALIASES =
      Map.of(
          "10.244.0.7:6379", 0, "c-redis-0.c-redis-headless.ns.svc:6379", 0, "10.244.0.9:6379", 1);

  @Test
  void aMasterIsAMaster() {
    assertThat(
            ReplicationRole.fromInfo(
                "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n", ALIASES))
        .isEqualTo(ReplicationRole.ofMaster());
  }

  @Test
  void aReplicaNamesItsMasterPodByIpOrHostnameAndIsSyncedOnlyWithItsLinkUpAndNoSyncRunning() {
    String synced =
        "# Replication\r\nrole:slave\r\nmaster_host:10.244.0.7\r\nmaster_port:6379\r\nmaster_link_status:up\r\n"
            + "master_sync_in_progress:0\r\n";
    assertThat(ReplicationRole.fromInfo(synced, ALIASES))
        .isEqualTo(ReplicationRole.replicaOf(0, true));
    String byName = synced.replace("10.244.0.7", "c-redis-0.c-redis-headless.ns.svc");
    assertThat(ReplicationRole.fromInfo(byName, ALIASES))
        .isEqualTo(ReplicationRole.replicaOf(0, true));
    assertThat(
            ReplicationRole.fromInfo(
                    synced.replace("master_sync_in_progress:0", "master_sync_in_progress:1"),
                    ALIASES)
                .synced())
        .isFalse();
    assertThat(
            ReplicationRole.fromInfo(
                    synced.replace("master_link_status:up", "master_link_status:down"), ALIASES)
                .synced())
        .isFalse();
    assertThat(
            ReplicationRole.fromInfo(synced.replace("10.244.0.7", "10.1.1.1"), ALIASES)
                .masterOrdinal())
        .isEqualTo(Optional.empty());
  }

  @Test
  void aReplicaSaysWhereItsLinkPointsEvenWhileItIsDown() {
    String down =
        "# Replication\r\nrole:slave\r\nmaster_host:10.244.0.51\r\nmaster_port:6379\r\nmaster_link_status:down\r\n";
    assertThat(ReplicationRole.masterAddress(down)).contains("10.244.0.51:6379");
    assertThat(ReplicationRole.masterAddress("# Replication\r\nrole:master\r\n")).isEmpty();
  }
}

package io.redisgrpc.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.lifecycle.RollingUpdate.PodState;
import io.redisgrpc.operator.lifecycle.RollingUpdate.Step;
import io.redisgrpc.operator.redis.ReplicationRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RollingUpdateTest {
  // Pods 0 and 1 are masters, 2 replicates 0, 3 replicates 1.
  static final Map<Integer, ReplicationRole> ROLES =
      Map.of(
          0,
          ReplicationRole.ofMaster(),
          1,
          ReplicationRole.ofMaster(),
          2,
          ReplicationRole.replicaOf(0, true),
          3,
          ReplicationRole.replicaOf(1, true));

  static List<PodState> pods(boolean... outdated) {
    return IntStream.range(0, outdated.length)
        .mapToObj(i -> new PodState(i, outdated[i], true))
        .toList();
  }

  @Test
  void nothingOutdatedIsDone() {
    assertThat(RollingUpdate.next(pods(false, false, false, false), 4, ROLES))
        .isInstanceOf(Step.Done.class);
  }

  @Test
  void replicasGoFirstHighestOrdinalFirst() {
    assertThat(RollingUpdate.next(pods(true, true, true, true), 4, ROLES))
        .isEqualTo(new Step.Restart(3, "replica, restarted before any master"));
    assertThat(RollingUpdate.next(pods(true, true, true, false), 4, ROLES))
        .isEqualTo(new Step.Restart(2, "replica, restarted before any master"));
  }

  @Test
  void aMasterIsHandedOverToItsSyncedReplicaBeforeItRestarts() {
    assertThat(RollingUpdate.next(pods(true, true, false, false), 4, ROLES))
        .isEqualTo(new Step.HandOver(1, 3));
    assertThat(RollingUpdate.next(pods(true, false, false, false), 4, ROLES))
        .isEqualTo(new Step.HandOver(0, 2));
  }

  @Test
  void aHandedOverMasterIsNowAReplicaAndRestarts() {
    Map<Integer, ReplicationRole> afterHandOver =
        Map.of(
            0,
            ReplicationRole.ofMaster(),
            1,
            ReplicationRole.replicaOf(3, true),
            2,
            ReplicationRole.replicaOf(0, true),
            3,
            ReplicationRole.ofMaster());
    assertThat(RollingUpdate.next(pods(true, true, false, false), 4, afterHandOver))
        .isInstanceOf(Step.Restart.class)
        .extracting(step -> ((Step.Restart) step).ordinal())
        .isEqualTo(1);
  }

  @Test
  void aMasterWithoutAReplicaRestartsAsItIs() {
    Map<Integer, ReplicationRole> alone =
        Map.of(0, ReplicationRole.ofMaster(), 1, ReplicationRole.ofMaster());
    assertThat(RollingUpdate.next(pods(false, true), 2, alone))
        .isEqualTo(new Step.Restart(1, "master without a synced replica to hand over to"));
  }

  @Test
  void nothingMovesWhileAReplicaSyncsOrAPodIsNotReadyOrMissing() {
    Map<Integer, ReplicationRole> syncing = new HashMap<>(ROLES);
    syncing.put(3, ReplicationRole.replicaOf(1, false));
    assertThat(RollingUpdate.next(pods(true, true, true, false), 4, syncing))
        .isInstanceOf(Step.Wait.class);

    List<PodState> oneNotReady =
        List.of(
            new PodState(0, true, true),
            new PodState(1, true, true),
            new PodState(2, false, false),
            new PodState(3, false, true));
    assertThat(RollingUpdate.next(oneNotReady, 4, ROLES))
        .isEqualTo(new Step.Wait("pod 2 is not Ready yet"));

    assertThat(RollingUpdate.next(pods(true, true, true), 4, ROLES))
        .isEqualTo(new Step.Wait("1 pod(s) not created yet"));
    assertThat(RollingUpdate.next(pods(true, true, true, true), 4, Map.of()))
        .isEqualTo(new Step.Wait("Redis in pod 0 was not reached"));
  }

  @Test
  void anOutdatedPodThatDoesNotServeIsReplacedAtOnce() {
    // e.g. a crash loop that the new template fixes: waiting for it to be Ready would block for
    // good
    List<PodState> crashLooping =
        List.of(new PodState(0, true, true), new PodState(1, true, false));
    assertThat(RollingUpdate.next(crashLooping, 2, Map.of()))
        .isEqualTo(new Step.Restart(1, "it is not Ready on the old template"));
  }

  @Test
  void aBrokenPodWaitsWhileAnotherIsMissing() {
    // Seen on the node: pod 5 restarted as broken, and pod 0 (also not Ready) restarted a second
    // later while pod 5 was not re-created yet: both copies of a shard gone at once, CLUSTERDOWN.
    List<PodState> fiveGone =
        List.of(
            new PodState(0, true, false),
            new PodState(1, true, true),
            new PodState(2, true, true),
            new PodState(3, true, true),
            new PodState(4, true, true));
    assertThat(RollingUpdate.next(fiveGone, 6, Map.of()))
        .isEqualTo(new Step.Wait("1 pod(s) not created yet"));
  }

  @Test
  void aMasterThatFailsItsProbeButStillServesIsHandedOverNotRestartedCold() {
    // A readiness probe that timed out on a busy node: Redis still names pod 1 master, and pod 3
    // holds a synced copy. Restarting pod 1 as it is would leave its slots unserved.
    List<PodState> probeTimedOut =
        List.of(
            new PodState(0, false, true),
            new PodState(1, true, false),
            new PodState(2, false, true),
            new PodState(3, false, true));
    assertThat(RollingUpdate.next(probeTimedOut, 4, ROLES)).isEqualTo(new Step.HandOver(1, 3));
    // Its replica not Ready either: nothing to hand over to, so it restarts.
    List<PodState> replicaDownToo =
        List.of(
            new PodState(0, false, true),
            new PodState(1, true, false),
            new PodState(2, false, true),
            new PodState(3, false, false));
    assertThat(RollingUpdate.next(replicaDownToo, 4, ROLES))
        .isEqualTo(new Step.Restart(1, "it is not Ready on the old template"));
    // Its replica still syncing: the same.
    Map<Integer, ReplicationRole> syncing = new HashMap<>(ROLES);
    syncing.put(3, ReplicationRole.replicaOf(1, false));
    assertThat(RollingUpdate.next(probeTimedOut, 4, syncing))
        .isEqualTo(new Step.Restart(1, "it is not Ready on the old template"));
  }

  @Test
  void sentinelModeWaitsWhileTwoPodsActAsMaster() {
    Map<Integer, ReplicationRole> group =
        Map.of(
            0,
            ReplicationRole.ofMaster(),
            1,
            ReplicationRole.replicaOf(0, true),
            2,
            ReplicationRole.replicaOf(0, true));
    assertThat(RollingUpdate.next(pods(true, false, false), 3, group, Optional.of(0)))
        .isEqualTo(new Step.HandOver(0, 1));
    // Pod 1 is promoted; pod 0 (writes paused) is not demoted yet, and the sentinels' view may
    // name either: demoting or restarting anything now could discard acknowledged writes.
    Map<Integer, ReplicationRole> failingOver =
        Map.of(
            0,
            ReplicationRole.ofMaster(),
            1,
            ReplicationRole.ofMaster(),
            2,
            ReplicationRole.replicaOf(1, true));
    for (int named : new int[] {0, 1}) {
      assertThat(RollingUpdate.next(pods(true, false, false), 3, failingOver, Optional.of(named)))
          .isEqualTo(
              new Step.Wait(
                  "2 pods act as master: waiting for the sentinels to demote the old one"));
    }
  }
}

package io.redisgrpc.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import org.junit.jupiter.api.Test;

/**
 * When the data pods of a Sentinel cache may roll: only once every sentinel is up on its template.
 */
class SentinelRolloutTest {

  @Test
  void settledSentinelsLetTheDataPodsRoll() {
    assertThat(PodRoller.sentinelRollout(sentinels(2, 2, "r2", "r2", 3, 3, 3))).isEmpty();
  }

  @Test
  void sentinelsStillRollingHoldTheDataPods() {
    assertThat(PodRoller.sentinelRollout(sentinels(2, 2, "r1", "r2", 3, 1, 3)))
        .hasValueSatisfying(why -> assertThat(why).contains("rolling", "1/3 updated"));
    assertThat(PodRoller.sentinelRollout(sentinels(2, 2, "r2", "r2", 3, 3, 2)))
        .hasValueSatisfying(why -> assertThat(why).contains("2 ready"));
  }

  @Test
  void aTemplateTheControllerHasNotSeenHoldsTheDataPods() {
    assertThat(PodRoller.sentinelRollout(sentinels(3, 2, "r1", "r1", 3, 3, 3)))
        .hasValueSatisfying(why -> assertThat(why).contains("not seen the new template"));
  }

  private static StatefulSet sentinels(
      long generation,
      long observed,
      String current,
      String update,
      int replicas,
      int updated,
      int ready) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName("s-sentinel")
        .withGeneration(generation)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observed)
        .withCurrentRevision(current)
        .withUpdateRevision(update)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withReadyReplicas(ready)
        .endStatus()
        .build();
  }
}

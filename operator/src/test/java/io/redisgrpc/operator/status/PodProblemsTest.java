package io.redisgrpc.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Caches;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pod states as the kubelet and scheduler report them, and what status says about them. */
class PodProblemsTest {
  static final Instant NOW = Instant.parse("2026-01-01T10:10:00Z");

  @Test
  void aCrashLoopingContainerIsNamedWithItsRestartsAndTheCommandToSeeWhy() {
    Pod pod =
        pod("c-redis-1")
            .editStatus()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("redis")
            .withRestartCount(4)
            .withReady(false)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .withMessage("back-off 1m20s")
            .endWaiting()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withExitCode(1)
            .withReason("Error")
            .endTerminated()
            .endLastState()
            .endContainerStatus()
            .endStatus()
            .build();
    List<PodProblems.Problem> problems = PodProblems.of(List.of(pod, healthy("c-redis-0")), NOW);
    assertThat(problems)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.kind()).isEqualTo(PodProblems.Kind.CONTAINER_FAILING);
              assertThat(problem.message())
                  .isEqualTo(
                      "pod c-redis-1: container redis is in CrashLoopBackOff (restarted 4 times, last exit 1 Error);"
                          + " see `kubectl logs c-redis-1 -c redis --previous`");
            });
  }

  @Test
  void anImageThatCannotBePulledIsNamed() {
    Pod pod =
        pod("c-gateway-abc")
            .editStatus()
            .withPhase("Pending")
            .addNewContainerStatus()
            .withName("gateway")
            .withRestartCount(0)
            .withReady(false)
            .withNewState()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"x:1\"")
            .endWaiting()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    assertThat(PodProblems.of(List.of(pod), NOW))
        .singleElement()
        .satisfies(
            problem ->
                assertThat(problem.message())
                    .contains(
                        "container gateway is in ImagePullBackOff (Back-off pulling image \"x:1\")")
                    .contains("kubectl describe pod c-gateway-abc"));
  }

  @Test
  void aPendingClaimIsReportedOnlyAfterTheSchedulerHadTime() {
    Pod pending =
        pod("c-redis-0")
            .editStatus()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage(
                "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.")
            .withLastTransitionTime("2026-01-01T10:09:50Z")
            .endCondition()
            .endStatus()
            .build();
    assertThat(PodProblems.of(List.of(pending), NOW))
        .as("10 s pending: the scheduler may still place it")
        .isEmpty();
    List<PodProblems.Problem> later = PodProblems.of(List.of(pending), NOW.plusSeconds(60));
    assertThat(later)
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.kind()).isEqualTo(PodProblems.Kind.UNSCHEDULABLE);
              assertThat(problem.message())
                  .contains(
                      "pod c-redis-0 cannot be scheduled: 0/1 nodes are available: pod has unbound immediate"
                          + " PersistentVolumeClaims.")
                  .contains("kubectl get pvc");
            });
  }

  @Test
  void aContainerThatRunsButNeverBecomesReadyIsReportedAfterThreeMinutes() {
    Pod notReady =
        pod("c-gateway-x")
            .editStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("False")
            .withLastTransitionTime("2026-01-01T10:05:00Z")
            .endCondition()
            .addNewContainerStatus()
            .withName("gateway")
            .withReady(false)
            .withRestartCount(0)
            .withNewState()
            .withNewRunning()
            .withStartedAt("2026-01-01T10:05:00Z")
            .endRunning()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    assertThat(PodProblems.of(List.of(notReady), Instant.parse("2026-01-01T10:06:00Z")))
        .as("1 min: still starting")
        .isEmpty();
    assertThat(PodProblems.of(List.of(notReady), NOW))
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.kind()).isEqualTo(PodProblems.Kind.NOT_SERVING);
              assertThat(problem.message())
                  .contains(
                      "pod c-gateway-x: container gateway runs but has not been ready for 5 min");
            });
  }

  @Test
  void statusIsDegradedWithTheReasonAndNotReady() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    Pod crashing =
        pod("c-redis-1")
            .editStatus()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("redis")
            .withRestartCount(2)
            .withReady(false)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    ObservedState observed =
        StatusAggregatorTest.workloads(5, 6, 0, 0, 2, 2)
            .withPodProblems(PodProblems.of(List.of(crashing), NOW));
    RedisGrpcCacheStatus status =
        new StatusAggregator(Clock.fixed(NOW, ZoneOffset.UTC)).aggregate(cache, observed);
    var degraded =
        status.conditions.stream()
            .filter(c -> c.getType().equals(ConditionTypes.DEGRADED))
            .findFirst()
            .orElseThrow();
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("PodsFailing");
    assertThat(degraded.getMessage())
        .startsWith("pod c-redis-1: container redis is in CrashLoopBackOff");
    var ready =
        status.conditions.stream()
            .filter(c -> c.getType().equals(ConditionTypes.READY))
            .findFirst()
            .orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).contains("PodsFailing: see the Degraded condition");
  }

  static PodBuilder pod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewStatus()
        .endStatus();
  }

  static Pod healthy(String name) {
    return pod(name)
        .editStatus()
        .withPhase("Running")
        .addNewContainerStatus()
        .withName("redis")
        .withReady(true)
        .withRestartCount(0)
        .withNewState()
        .withNewRunning()
        .withStartedAt("2026-01-01T10:00:00Z")
        .endRunning()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }
}

package io.redisgrpc.operator.status;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What is wrong with a cache's pods, in words a user can act on: a container that keeps crashing or
 * cannot get its image, and a pod that cannot be scheduled (e.g. its volume claim is not bound).
 * Each problem names the pod and the command that shows more. Pure.
 */
public final class PodProblems {
  /** Waiting reasons that do not resolve by waiting. */
  static final Set<String> STUCK =
      Set.of(
          "CrashLoopBackOff",
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError");

  /**
   * A pod pending longer than this without being scheduled is reported (the scheduler retries
   * quickly).
   */
  static final Duration UNSCHEDULABLE_AFTER = Duration.ofSeconds(30);

  /** A container running but not ready this long has a readiness check that keeps failing. */
  static final Duration NOT_READY_AFTER = Duration.ofMinutes(3);

  /** What kind of problem it is: the Degraded reason. */
  public enum Kind {
    CONTAINER_FAILING("PodsFailing"),
    UNSCHEDULABLE("PodsUnschedulable"),
    NOT_SERVING("PodsNotServing");

    public final String reason;

    Kind(String reason) {
      this.reason = reason;
    }
  }

  public record Problem(Kind kind, String pod, String message) {}

  private PodProblems() {}

  public static List<Problem> of(List<Pod> pods, Instant now) {
    List<Problem> problems = new ArrayList<>();
    pods.stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
        .forEach(
            pod -> {
              String name = pod.getMetadata().getName();
              containers(pod)
                  .forEach(
                      status -> {
                        var waiting =
                            status.getState() == null ? null : status.getState().getWaiting();
                        if (waiting != null && STUCK.contains(waiting.getReason())) {
                          problems.add(
                              new Problem(
                                  Kind.CONTAINER_FAILING,
                                  name,
                                  "pod "
                                      + name
                                      + ": container "
                                      + status.getName()
                                      + " is in "
                                      + waiting.getReason()
                                      + describe(status, waiting.getMessage())
                                      + "; see `kubectl logs "
                                      + name
                                      + " -c "
                                      + status.getName()
                                      + (waiting.getReason().equals("CrashLoopBackOff")
                                          ? " --previous`"
                                          : "` and `kubectl describe pod " + name + "`")));
                        }
                      });
              containers(pod)
                  .filter(
                      status ->
                          status.getState() != null
                              && status.getState().getRunning() != null
                              && !Boolean.TRUE.equals(status.getReady())
                              && status.getState().getRunning().getStartedAt() != null
                              && Duration.between(
                                          Instant.parse(
                                              status.getState().getRunning().getStartedAt()),
                                          now)
                                      .compareTo(NOT_READY_AFTER)
                                  >= 0
                              && notReadySince(pod, now)
                                  .map(since -> since.compareTo(NOT_READY_AFTER) >= 0)
                                  .orElse(false))
                  .forEach(
                      status ->
                          problems.add(
                              new Problem(
                                  Kind.NOT_SERVING,
                                  name,
                                  "pod "
                                      + name
                                      + ": container "
                                      + status.getName()
                                      + " runs but has not been ready for "
                                      + notReadySince(pod, now).orElseThrow().toMinutes()
                                      + " min (its readiness check fails); see the probe failures in `kubectl describe pod "
                                      + name
                                      + "` and `kubectl logs "
                                      + name
                                      + " -c "
                                      + status.getName()
                                      + "`")));
              unschedulable(pod, now)
                  .ifPresent(
                      condition ->
                          problems.add(
                              new Problem(
                                  Kind.UNSCHEDULABLE,
                                  name,
                                  "pod "
                                      + name
                                      + " cannot be scheduled: "
                                      + condition.getMessage()
                                      + (String.valueOf(condition.getMessage())
                                              .contains("PersistentVolumeClaim")
                                          ? "; check its claims (`kubectl get pvc`) and that the StorageClass exists and can provision"
                                          : "; see `kubectl describe pod " + name + "`"))));
            });
    return problems;
  }

  private static Stream<ContainerStatus> containers(Pod pod) {
    if (pod.getStatus() == null) {
      return Stream.empty();
    }
    return Stream.concat(
        Stream.ofNullable(pod.getStatus().getInitContainerStatuses()).flatMap(List::stream),
        Stream.ofNullable(pod.getStatus().getContainerStatuses()).flatMap(List::stream));
  }

  private static String describe(ContainerStatus status, String waitingMessage) {
    StringBuilder text = new StringBuilder();
    if (status.getRestartCount() != null && status.getRestartCount() > 0) {
      text.append(" (restarted ").append(status.getRestartCount()).append(" times");
      var last = status.getLastState() == null ? null : status.getLastState().getTerminated();
      if (last != null) {
        text.append(", last exit ")
            .append(last.getExitCode())
            .append(last.getReason() == null ? "" : " " + last.getReason());
      }
      text.append(")");
    } else if (waitingMessage != null && !waitingMessage.isBlank()) {
      text.append(" (")
          .append(
              waitingMessage.length() > 200
                  ? waitingMessage.substring(0, 200) + "..."
                  : waitingMessage)
          .append(")");
    }
    return text.toString();
  }

  private static Optional<Duration> notReadySince(Pod pod, Instant now) {
    return Stream.ofNullable(pod.getStatus().getConditions())
        .flatMap(List::stream)
        .filter(
            c ->
                "Ready".equals(c.getType())
                    && "False".equals(c.getStatus())
                    && c.getLastTransitionTime() != null)
        .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), now))
        .findFirst();
  }

  private static Optional<PodCondition> unschedulable(Pod pod, Instant now) {
    if (pod.getStatus() == null
        || !"Pending".equals(pod.getStatus().getPhase())
        || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(
            c ->
                "PodScheduled".equals(c.getType())
                    && "False".equals(c.getStatus())
                    && "Unschedulable".equals(c.getReason()))
        .filter(
            c ->
                c.getLastTransitionTime() == null
                    || Duration.between(Instant.parse(c.getLastTransitionTime()), now)
                            .compareTo(UNSCHEDULABLE_AFTER)
                        >= 0)
        .findFirst();
  }
}

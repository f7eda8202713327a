package io.redisgrpc.operator.credentials.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The persisted state of one credential's rotation. It lives in the cluster (annotations on the
 * credential's Secret), never only in memory, so an operator restart at any phase resumes it.
 *
 * @param generation the password generation in use or being introduced
 * @param phaseSince when the current phase began (the grace period counts from the start of Use)
 */
public record RotationState(
    long generation,
    RotationPhase phase,
    Instant phaseSince,
    Instant lastRotation,
    Instant nextRotation) {
  public static final String PREFIX = "redisgrpc.io/rotation-";

  public static RotationState initial(Instant now, Duration interval) {
    return new RotationState(1, RotationPhase.Idle, now, now, now.plus(interval));
  }

  public Map<String, String> toAnnotations() {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(PREFIX + "generation", Long.toString(generation));
    annotations.put(PREFIX + "phase", phase.name());
    annotations.put(PREFIX + "phase-since", phaseSince.toString());
    annotations.put(PREFIX + "last", lastRotation.toString());
    annotations.put(PREFIX + "next", nextRotation.toString());
    return annotations;
  }

  /** Reads the state back; a Secret without annotations starts a fresh {@link #initial} state. */
  public static RotationState fromAnnotations(
      Map<String, String> annotations, Instant now, Duration interval) {
    if (annotations == null || !annotations.containsKey(PREFIX + "phase")) {
      return initial(now, interval);
    }
    return new RotationState(
        Long.parseLong(annotations.get(PREFIX + "generation")),
        RotationPhase.valueOf(annotations.get(PREFIX + "phase")),
        Instant.parse(annotations.get(PREFIX + "phase-since")),
        Instant.parse(annotations.get(PREFIX + "last")),
        Instant.parse(annotations.get(PREFIX + "next")));
  }

  RotationState enter(RotationPhase next, Instant now) {
    return new RotationState(generation, next, now, lastRotation, nextRotation);
  }
}

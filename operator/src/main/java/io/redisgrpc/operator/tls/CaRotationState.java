package io.redisgrpc.operator.tls;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a cache's CA rotation stands. Stored as annotations on the trust-bundle ConfigMap (the
 * object whose content the state describes), so an operator restart resumes where it stopped.
 *
 * @param generation the current CA generation (the one that signs, except in {@link
 *     CaPhase#Reissue} and {@link CaPhase#Retire})
 * @param phase the phase
 * @param phaseSince when the phase was entered
 * @param handledToken the last {@code cache.redisgrpc.io/rotate-ca} value that started a rotation
 *     (null: none)
 */
public record CaRotationState(
    int generation, CaPhase phase, Instant phaseSince, String handledToken) {
  public static final String GENERATION_ANNOTATION = "redisgrpc.io/ca-generation";
  public static final String PHASE_ANNOTATION = "redisgrpc.io/ca-phase";
  public static final String PHASE_SINCE_ANNOTATION = "redisgrpc.io/ca-phase-since";
  public static final String TOKEN_ANNOTATION = "redisgrpc.io/ca-rotation-token";

  public CaRotationState enter(CaPhase next, Instant now) {
    return new CaRotationState(generation, next, now, handledToken);
  }

  /** True while two CA generations exist (from Prepare to the end of Retire). */
  public boolean rotating() {
    return phase != CaPhase.Idle;
  }

  /** The generation the CA Issuer signs with now. */
  public int signingGeneration() {
    return phase == CaPhase.Reissue || phase == CaPhase.Retire ? generation + 1 : generation;
  }

  /** Generations whose CA certificate belongs in the trust bundle. */
  public List<Integer> trustedGenerations() {
    return phase == CaPhase.Trust || phase == CaPhase.Reissue || phase == CaPhase.Retire
        ? List.of(generation, generation + 1)
        : List.of(generation);
  }

  /** Generations whose CA Certificate must exist; any other generation of this cache is retired. */
  public List<Integer> liveGenerations() {
    return rotating() ? List.of(generation, generation + 1) : List.of(generation);
  }

  public Map<String, String> toAnnotations() {
    Map<String, String> a = new TreeMap<>();
    a.put(GENERATION_ANNOTATION, String.valueOf(generation));
    a.put(PHASE_ANNOTATION, phase.name());
    a.put(PHASE_SINCE_ANNOTATION, phaseSince.toString());
    if (handledToken != null) {
      a.put(TOKEN_ANNOTATION, handledToken);
    }
    return a;
  }

  /**
   * The stored state, or null when the annotations are absent or unreadable (then the caller starts
   * afresh).
   */
  public static CaRotationState fromAnnotations(Map<String, String> annotations) {
    if (annotations == null
        || !annotations.containsKey(GENERATION_ANNOTATION)
        || !annotations.containsKey(PHASE_ANNOTATION)) {
      return null;
    }
    try {
      return new CaRotationState(
          Integer.parseInt(annotations.get(GENERATION_ANNOTATION)),
          CaPhase.valueOf(annotations.get(PHASE_ANNOTATION)),
          Instant.parse(annotations.getOrDefault(PHASE_SINCE_ANNOTATION, Instant.EPOCH.toString())),
          annotations.get(TOKEN_ANNOTATION));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return null;
    }
  }
}

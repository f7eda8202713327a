package io.redisgrpc.operator.tls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CA rotation with overlap, trust first. Pure: it decides from what the caller observed; the caller
 * stores the returned state (on the trust-bundle ConfigMap, together with the returned bundle) and
 * renders the cert-manager objects from it. See DESIGN.md next to this class.
 *
 * <pre>
 *  Idle(g)    --rotate-ca annotation has a new token--------------------------> Prepare(g)
 *  Prepare(g) --CA g+1 issued (its Secret has a certificate)-------------------> Trust(g)     bundle: g, g+1
 *  Trust(g)   --bundle with g+1 stored, and trustPropagationDelay elapsed------> Reissue(g)   Issuer signs with g+1;
 *                                                                                              leaves re-issued
 *  Reissue(g) --every leaf Secret's certificate is signed by CA g+1-------------> Retire(g)    bundle: g, g+1
 *  Retire(g)  --trustPropagationDelay elapsed-----------------------------------> Idle(g+1)    bundle: g+1; CA g deleted
 * </pre>
 *
 * <p>Retire exists because a leaf Secret is re-issued a minute or so before the pods that mount it
 * load it: the old CA must stay trusted until then, or a new handshake meets a certificate signed
 * by a CA the other side has just dropped.
 */
public final class CaRotationMachine {
  private final Clock clock;
  private final Duration trustPropagationDelay;

  public CaRotationMachine(Clock clock, Duration trustPropagationDelay) {
    this.clock = clock;
    this.trustPropagationDelay = trustPropagationDelay;
  }

  /**
   * What the caller saw.
   *
   * @param requestedToken value of {@code cache.redisgrpc.io/rotate-ca} on the cache (null: none)
   * @param caCertificates PEM certificate ({@code tls.crt}) of each CA generation whose Secret is
   *     issued
   * @param storedBundle the {@code ca.crt} of the trust-bundle ConfigMap as stored in the cluster
   *     (null: none yet)
   * @param leafCertificates {@code tls.crt} of every leaf Secret by name (value null: not issued
   *     yet)
   */
  public record Observations(
      String requestedToken,
      Map<Integer, String> caCertificates,
      String storedBundle,
      Map<String, String> leafCertificates) {}

  /** The state to store and the trust bundle to store with it. */
  public record Decision(CaRotationState state, String bundle) {}

  /**
   * The state of a cache that has none stored yet: generation 1; a token already present is taken
   * as handled.
   */
  public CaRotationState initial(String requestedToken) {
    return new CaRotationState(1, CaPhase.Idle, clock.instant(), requestedToken);
  }

  public Decision next(CaRotationState state, Observations seen) {
    Instant now = clock.instant();
    CaRotationState next =
        switch (state.phase()) {
          case Idle ->
              seen.requestedToken() != null && !seen.requestedToken().equals(state.handledToken())
                  ? new CaRotationState(
                      state.generation(), CaPhase.Prepare, now, seen.requestedToken())
                  : state;
          case Prepare ->
              seen.caCertificates().get(state.generation() + 1) != null
                  ? state.enter(CaPhase.Trust, now)
                  : state;
          case Trust ->
              bundleHasBoth(state, seen)
                      && !now.isBefore(state.phaseSince().plus(trustPropagationDelay))
                  ? state.enter(CaPhase.Reissue, now)
                  : state;
          case Reissue ->
              everyLeafSignedBy(seen, seen.caCertificates().get(state.generation() + 1))
                  ? state.enter(CaPhase.Retire, now)
                  : state;
          case Retire ->
              !now.isBefore(state.phaseSince().plus(trustPropagationDelay))
                  ? new CaRotationState(
                      state.generation() + 1, CaPhase.Idle, now, state.handledToken())
                  : state;
        };
    return new Decision(next, bundle(next, seen));
  }

  /**
   * When to look again without any event: the end of the propagation delay, in Trust (for the new
   * CA to reach everyone) and in Retire (for the new leaves to).
   */
  public Optional<Duration> wakeUpAfter(CaRotationState state) {
    if (state.phase() != CaPhase.Trust && state.phase() != CaPhase.Retire) {
      return Optional.empty();
    }
    Duration left =
        Duration.between(clock.instant(), state.phaseSince().plus(trustPropagationDelay));
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  /** The CA certificates of the trusted generations that are issued, oldest first. */
  static String bundle(CaRotationState state, Observations seen) {
    List<String> pems = new ArrayList<>();
    for (int generation : state.trustedGenerations()) {
      String pem = seen.caCertificates().get(generation);
      if (pem != null) {
        pems.add(pem);
      }
    }
    return Pem.bundle(pems);
  }

  private static boolean bundleHasBoth(CaRotationState state, Observations seen) {
    List<String> stored = Pem.fingerprints(seen.storedBundle());
    for (int generation : List.of(state.generation(), state.generation() + 1)) {
      String pem = seen.caCertificates().get(generation);
      List<String> wanted = Pem.fingerprints(pem);
      if (wanted.isEmpty() || !stored.contains(wanted.get(0))) {
        return false;
      }
    }
    return true;
  }

  private static boolean everyLeafSignedBy(Observations seen, String caPem) {
    return caPem != null
        && !seen.leafCertificates().isEmpty()
        && seen.leafCertificates().values().stream()
            .allMatch(leaf -> leaf != null && Pem.signedBy(leaf, caPem));
  }
}

package io.redisgrpc.operator.tls;

import static io.redisgrpc.operator.tls.Fixtures.pem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaRotationMachineTest {
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  static final Duration DELAY = Duration.ofMinutes(2);

  static CaRotationMachine at(Instant now) {
    return new CaRotationMachine(Clock.fixed(now, ZoneOffset.UTC), DELAY);
  }

  static Map<Integer, String> cas(String... pems) {
    Map<Integer, String> map = new HashMap<>();
    for (int i = 0; i < pems.length; i++) {
      if (pems[i] != null) {
        map.put(i + 1, pems[i]);
      }
    }
    return map;
  }

  static Map<String, String> leaves(String... pems) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pems.length; i++) {
      map.put("leaf-" + i, pems[i]);
    }
    return map;
  }

  static CaRotationMachine.Observations seen(
      String token, Map<Integer, String> cas, String bundle, Map<String, String> leaves) {
    return new CaRotationMachine.Observations(token, cas, bundle, leaves);
  }

  @Test
  void firstStateTakesAnExistingTokenAsHandled() {
    CaRotationState s = at(T0).initial("t1");
    assertThat(s).isEqualTo(new CaRotationState(1, CaPhase.Idle, T0, "t1"));
    CaRotationMachine.Decision d = at(T0).next(s, seen("t1", cas(pem("ca1")), null, Map.of()));
    assertThat(d.state()).isEqualTo(s);
    assertThat(Pem.fingerprints(d.bundle())).containsExactly(Pem.fingerprints(pem("ca1")).get(0));
  }

  @Test
  void bootstrapBundleIsEmptyUntilTheCaIsIssued() {
    CaRotationMachine.Decision d =
        at(T0).next(at(T0).initial(null), seen(null, Map.of(), null, Map.of()));
    assertThat(d.bundle()).isEmpty();
    assertThat(d.state().phase()).isEqualTo(CaPhase.Idle);
  }

  @Test
  void fullRotationTrustFirstThenReissueThenRetire() {
    String ca1 = pem("ca1");
    String ca2 = pem("ca2");
    CaRotationState idle = new CaRotationState(1, CaPhase.Idle, T0, null);

    // A new token starts the rotation; the bundle still holds only CA 1, the Issuer still signs
    // with 1.
    CaRotationMachine.Decision prepare =
        at(T0.plusSeconds(1)).next(idle, seen("t1", cas(ca1), ca1, Map.of()));
    assertThat(prepare.state())
        .isEqualTo(new CaRotationState(1, CaPhase.Prepare, T0.plusSeconds(1), "t1"));
    assertThat(prepare.state().liveGenerations()).containsExactly(1, 2);
    assertThat(prepare.state().signingGeneration()).isEqualTo(1);
    assertThat(Pem.certificates(prepare.bundle())).hasSize(1);

    // CA 2 not issued yet: stay.
    assertThat(
            at(T0.plusSeconds(2))
                .next(prepare.state(), seen("t1", cas(ca1), ca1, Map.of()))
                .state())
        .isEqualTo(prepare.state());

    // CA 2 issued: both go into the bundle; still signing with 1.
    CaRotationMachine.Decision trust =
        at(T0.plusSeconds(5)).next(prepare.state(), seen("t1", cas(ca1, ca2), ca1, Map.of()));
    assertThat(trust.state().phase()).isEqualTo(CaPhase.Trust);
    assertThat(trust.state().phaseSince()).isEqualTo(T0.plusSeconds(5));
    assertThat(Pem.fingerprints(trust.bundle())).containsExactly(fp(ca1), fp(ca2));
    assertThat(trust.state().signingGeneration()).isEqualTo(1);

    // Bundle with both not stored yet, even after the delay: stay (nobody can have it).
    assertThat(
            at(T0.plus(DELAY).plusSeconds(60))
                .next(trust.state(), seen("t1", cas(ca1, ca2), ca1, Map.of()))
                .state()
                .phase())
        .isEqualTo(CaPhase.Trust);
    // Stored, but the propagation delay is not over: stay, and say when to look again.
    assertThat(
            at(T0.plusSeconds(30))
                .next(trust.state(), seen("t1", cas(ca1, ca2), trust.bundle(), Map.of()))
                .state()
                .phase())
        .isEqualTo(CaPhase.Trust);
    assertThat(at(T0.plusSeconds(30)).wakeUpAfter(trust.state())).contains(DELAY.minusSeconds(25));

    // Stored and propagated: leaves are re-issued from CA 2; both CAs stay trusted.
    Instant t = T0.plusSeconds(5).plus(DELAY);
    CaRotationMachine.Decision reissue =
        at(t).next(trust.state(), seen("t1", cas(ca1, ca2), trust.bundle(), Map.of()));
    assertThat(reissue.state().phase()).isEqualTo(CaPhase.Reissue);
    assertThat(reissue.state().signingGeneration()).isEqualTo(2);
    assertThat(Pem.fingerprints(reissue.bundle())).containsExactly(fp(ca1), fp(ca2));

    // One leaf still from CA 1 (or not issued, or from an impostor with CA 1's name): stay.
    for (Map<String, String> notYet :
        List.of(
            leaves(pem("leaf2"), pem("leaf1")),
            leaves(pem("leaf2"), null),
            leaves(pem("impostor-leaf")))) {
      assertThat(
              at(t.plusSeconds(1))
                  .next(reissue.state(), seen("t1", cas(ca1, ca2), reissue.bundle(), notYet))
                  .state()
                  .phase())
          .isEqualTo(CaPhase.Reissue);
    }

    // Every leaf Secret from CA 2: CA 1 stays trusted while the pods load their new leaves.
    Map<String, String> allNew = leaves(pem("leaf2"), pem("leaf2"));
    CaRotationMachine.Decision retire =
        at(t.plusSeconds(9))
            .next(reissue.state(), seen("t1", cas(ca1, ca2), reissue.bundle(), allNew));
    assertThat(retire.state())
        .isEqualTo(new CaRotationState(1, CaPhase.Retire, t.plusSeconds(9), "t1"));
    assertThat(retire.state().signingGeneration()).isEqualTo(2);
    assertThat(retire.state().liveGenerations()).containsExactly(1, 2);
    assertThat(Pem.fingerprints(retire.bundle())).containsExactly(fp(ca1), fp(ca2));
    // Not before the propagation delay is over; the machine says when to look again.
    Instant retired = t.plusSeconds(9).plus(DELAY);
    assertThat(
            at(retired.minusSeconds(1))
                .next(retire.state(), seen("t1", cas(ca1, ca2), retire.bundle(), Map.of()))
                .state())
        .isEqualTo(retire.state());
    assertThat(at(retired.minusSeconds(10)).wakeUpAfter(retire.state()))
        .contains(Duration.ofSeconds(10));

    // Then generation 2 alone: CA 1 leaves the bundle (and is retired: not live any more).
    CaRotationMachine.Decision done =
        at(retired).next(retire.state(), seen("t1", cas(ca1, ca2), retire.bundle(), Map.of()));
    assertThat(done.state()).isEqualTo(new CaRotationState(2, CaPhase.Idle, retired, "t1"));
    assertThat(done.state().liveGenerations()).containsExactly(2);
    // The caller then looks up CA generations 2 and 3: only CA 2 is there.
    assertThat(
            Pem.fingerprints(
                at(retired.plusSeconds(1))
                    .next(done.state(), seen("t1", Map.of(2, ca2), done.bundle(), Map.of()))
                    .bundle()))
        .containsExactly(fp(ca2));
    assertThat(Pem.fingerprints(done.bundle())).containsExactly(fp(ca2));
  }

  @Test
  void theSameTokenDoesNotRotateTwiceButANewOneDuringARotationRotatesAgainAfterwards() {
    CaRotationState idle2 = new CaRotationState(2, CaPhase.Idle, T0, "t1");
    assertThat(
            at(T0.plusSeconds(1))
                .next(idle2, seen("t1", Map.of(2, pem("ca2")), pem("ca2"), Map.of()))
                .state())
        .isEqualTo(idle2);
    CaRotationState trust = new CaRotationState(1, CaPhase.Trust, T0, "t1");
    // A new token during Trust changes nothing now...
    CaRotationState stillTrust =
        at(T0.plusSeconds(1))
            .next(trust, seen("t2", cas(pem("ca1"), pem("ca2")), pem("ca1"), Map.of()))
            .state();
    assertThat(stillTrust).isEqualTo(trust);
    // ...and starts the next rotation once Idle.
    assertThat(
            at(T0.plusSeconds(2))
                .next(idle2, seen("t2", Map.of(2, pem("ca2")), pem("ca2"), Map.of()))
                .state()
                .phase())
        .isEqualTo(CaPhase.Prepare);
  }

  @Test
  void stateSurvivesAnnotationsAndBadAnnotationsAreIgnored() {
    CaRotationState state = new CaRotationState(3, CaPhase.Reissue, T0, "tok");
    assertThat(CaRotationState.fromAnnotations(state.toAnnotations())).isEqualTo(state);
    assertThat(
            CaRotationState.fromAnnotations(
                    new CaRotationState(1, CaPhase.Idle, T0, null).toAnnotations())
                .handledToken())
        .isNull();
    assertThat(CaRotationState.fromAnnotations(Map.of())).isNull();
    assertThat(
            CaRotationState.fromAnnotations(
                Map.of(
                    CaRotationState.GENERATION_ANNOTATION,
                    "x",
                    CaRotationState.PHASE_ANNOTATION,
                    "Idle")))
        .isNull();
  }

  @Test
  void onlyTrustAndRetireWakeUp() {
    assertThat(at(T0).wakeUpAfter(new CaRotationState(1, CaPhase.Idle, T0, null))).isEmpty();
    assertThat(at(T0).wakeUpAfter(new CaRotationState(1, CaPhase.Reissue, T0, null))).isEmpty();
    assertThat(at(T0).wakeUpAfter(new CaRotationState(1, CaPhase.Retire, T0, null)))
        .contains(DELAY);
    assertThat(
            at(T0.plus(DELAY).plusSeconds(5))
                .wakeUpAfter(new CaRotationState(1, CaPhase.Trust, T0, null)))
        .contains(Duration.ZERO);
  }

  private static String fp(String pem) {
    return Pem.fingerprints(pem).get(0);
  }
}

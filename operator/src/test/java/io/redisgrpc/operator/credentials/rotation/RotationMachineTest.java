package io.redisgrpc.operator.credentials.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.credentials.rotation.RotationMachine.Action;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Decision;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Observations;
import io.redisgrpc.operator.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RotationMachineTest {
  static final Duration INTERVAL = Duration.ofHours(720);
  static final Duration GRACE = Duration.ofMinutes(5);
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * A fake cluster: which password generations each of three nodes accepts, and what consumers use.
   */
  static final class World {
    long stored = 1;
    final List<Set<Long>> nodes =
        new ArrayList<>(
            List.of(
                new HashSet<>(Set.of(1L)), new HashSet<>(Set.of(1L)), new HashSet<>(Set.of(1L))));
    long consumersUse = 1;
    boolean requested;

    Observations observe(RotationState state) {
      long g = state.generation();
      return new Observations(
          requested,
          stored >= g,
          nodes.stream().allMatch(n -> n.contains(g)),
          consumersUse == g,
          nodes.stream().noneMatch(n -> n.contains(g - 1)));
    }

    void perform(Action action, RotationState state) {
      long g = state.generation();
      switch (action) {
        case STORE_NEW_PASSWORD -> stored = g;
        case TRUST_NEW_PASSWORD -> nodes.forEach(n -> n.add(g));
        case SWITCH_CONSUMERS -> consumersUse = g;
        case RETIRE_OLD_PASSWORD -> nodes.forEach(n -> n.remove(g - 1));
        case WAIT, WAIT_GRACE -> {}
      }
    }

    /** The invariant that makes rotation downtime-free: every node accepts what consumers use. */
    boolean consumersCanAuthenticate() {
      return nodes.stream().allMatch(n -> n.contains(consumersUse));
    }
  }

  @Test
  void aDueRotationGoesThroughEveryPhaseWithoutEverLockingConsumersOut() {
    World world = new World();
    ManualClock clock = new ManualClock(T0.plus(INTERVAL));
    RotationMachine machine = new RotationMachine(clock, INTERVAL, GRACE);
    RotationState state = RotationState.initial(T0, INTERVAL);
    List<RotationPhase> phases = new ArrayList<>();
    for (int step = 0;
        step < 20 && !(state.phase() == RotationPhase.Idle && state.generation() == 2);
        step++) {
      Decision decision = machine.next(state, world.observe(state));
      state = decision.state();
      phases.add(state.phase());
      world.perform(decision.action(), state);
      assertThat(world.consumersCanAuthenticate()).as("after %s", decision.action()).isTrue();
      if (decision.action() == Action.WAIT_GRACE) {
        clock.advance(Duration.ofMinutes(1));
      }
    }
    assertThat(phases)
        .containsSubsequence(
            RotationPhase.Prepare,
            RotationPhase.Trust,
            RotationPhase.Use,
            RotationPhase.Retire,
            RotationPhase.Idle);
    assertThat(state.generation()).isEqualTo(2);
    assertThat(world.consumersUse).isEqualTo(2);
    assertThat(world.nodes).allSatisfy(n -> assertThat(n).containsExactly(2L));
    assertThat(state.nextRotation()).isEqualTo(state.lastRotation().plus(INTERVAL));
  }

  @Test
  void nothingHappensBeforeTheIntervalUnlessRequested() {
    RotationMachine machine =
        new RotationMachine(
            Clock.fixed(T0.plus(Duration.ofHours(1)), ZoneId.of("UTC")), INTERVAL, GRACE);
    RotationState state = RotationState.initial(T0, INTERVAL);
    World world = new World();
    assertThat(machine.next(state, world.observe(state)).action()).isEqualTo(Action.WAIT);
    world.requested = true;
    assertThat(machine.next(state, world.observe(state)).action())
        .isEqualTo(Action.STORE_NEW_PASSWORD);
  }

  @Test
  void theOldPasswordSurvivesTheWholeGracePeriod() {
    World world = new World();
    ManualClock clock = new ManualClock(T0);
    RotationMachine machine = new RotationMachine(clock, INTERVAL, GRACE);
    world.requested = true;
    RotationState state = RotationState.initial(T0, INTERVAL);
    Instant useStarted = null;
    for (int step = 0; step < 40 && state.phase() != RotationPhase.Retire; step++) {
      Decision decision = machine.next(state, world.observe(state));
      state = decision.state();
      world.perform(decision.action(), state);
      if (state.phase() == RotationPhase.Use && useStarted == null) {
        useStarted = clock.instant();
      }
      clock.advance(Duration.ofSeconds(30));
    }
    assertThat(state.phase()).isEqualTo(RotationPhase.Retire);
    assertThat(state.phaseSince()).isAfterOrEqualTo(useStarted.plus(GRACE));
  }

  /**
   * Stop the operator in any phase (state goes through its annotations) and a new one finishes the
   * job.
   */
  @ParameterizedTest
  @EnumSource(
      value = RotationPhase.class,
      names = {"Prepare", "Trust", "Use", "Retire"})
  void resumesFromThePersistedStateAfterARestartInEachPhase(RotationPhase stopIn) {
    World world = new World();
    world.requested = true;
    ManualClock clock = new ManualClock(T0);
    RotationState state = RotationState.initial(T0, INTERVAL);
    state =
        runUntil(
            new RotationMachine(clock, INTERVAL, GRACE),
            state,
            world,
            clock,
            s -> s.phase() == stopIn);
    Map<String, String> persisted = state.toAnnotations();

    world.requested = false;
    RotationState resumed = RotationState.fromAnnotations(persisted, clock.instant(), INTERVAL);
    assertThat(resumed).isEqualTo(state);
    RotationState done =
        runUntil(
            new RotationMachine(clock, INTERVAL, GRACE),
            resumed,
            world,
            clock,
            s -> s.phase() == RotationPhase.Idle && s.generation() == 2);
    assertThat(done.generation()).isEqualTo(2);
    assertThat(world.consumersUse).isEqualTo(2);
    assertThat(world.nodes).allSatisfy(n -> assertThat(n).containsExactly(2L));
  }

  private static RotationState runUntil(
      RotationMachine machine,
      RotationState start,
      World world,
      ManualClock clock,
      Predicate<RotationState> stop) {
    RotationState state = start;
    for (int step = 0; step < 60; step++) {
      Decision decision = machine.next(state, world.observe(state));
      state = decision.state();
      if (stop.test(state)) {
        return state;
      }
      world.perform(decision.action(), state);
      assertThat(world.consumersCanAuthenticate()).isTrue();
      clock.advance(Duration.ofSeconds(30));
    }
    throw new AssertionError("did not reach the expected state; last " + state);
  }
}

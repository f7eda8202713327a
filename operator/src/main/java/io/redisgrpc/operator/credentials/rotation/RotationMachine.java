package io.redisgrpc.operator.credentials.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The rotation state machine: trust first, then use, then retire. Pure: it decides, the caller acts
 * and observes. Every action is idempotent, so repeating one after a crash is harmless.
 *
 * <pre>
 *  Idle --(interval elapsed or rotation requested)--> Prepare(generation + 1)
 *  Prepare --(new password stored)--------------------> Trust
 *  Trust --(new password accepted on every node)------> Use          (both passwords valid)
 *  Use --(consumers switched, grace period over)------> Retire
 *  Retire --(old password gone from every node)-------> Idle         (next rotation scheduled)
 * </pre>
 *
 * <p>Failure points: a crash in Prepare before the Secret is written loses only an unused password
 * (a new one is generated). A crash in Trust leaves some nodes with both passwords and some with
 * the old one only; consumers still use the old one, which works everywhere. A crash in Use leaves
 * consumers on either password; both work everywhere until Retire. Retire removes the old password
 * only after the grace period, when nothing should use it any more.
 */
public final class RotationMachine {
  private final Clock clock;
  private final Duration interval;
  private final Duration gracePeriod;

  public RotationMachine(Clock clock, Duration interval, Duration gracePeriod) {
    this.clock = clock;
    this.interval = interval;
    this.gracePeriod = gracePeriod;
  }

  /** What the caller saw when it last looked; each flag refers to {@code state.generation()}. */
  public record Observations(
      boolean rotationRequested,
      boolean newPasswordStored,
      boolean newPasswordTrustedEverywhere,
      boolean consumersSwitched,
      boolean oldPasswordGoneEverywhere) {}

  /** The step to take now: persist {@code state}, then perform {@code action}. */
  public record Decision(RotationState state, Action action) {}

  public enum Action {
    /** Nothing to do until {@code state.nextRotation()} (or a request). */
    WAIT,
    /**
     * Generate the password of {@code state.generation()} and store it in the Secret (keep the old
     * one).
     */
    STORE_NEW_PASSWORD,
    /** Add the new password on every node and sentinel, keeping the old one. */
    TRUST_NEW_PASSWORD,
    /** Point consumers (gateway, replication, sentinels, exporter, clients) at the new password. */
    SWITCH_CONSUMERS,
    /** Consumers are switched; wait out the grace period before retiring the old password. */
    WAIT_GRACE,
    /** Remove the old password from every node and sentinel, and from the Secret. */
    RETIRE_OLD_PASSWORD
  }

  public Decision next(RotationState state, Observations seen) {
    Instant now = clock.instant();
    return switch (state.phase()) {
      case Idle ->
          seen.rotationRequested() || !now.isBefore(state.nextRotation())
              ? new Decision(
                  new RotationState(
                      state.generation() + 1,
                      RotationPhase.Prepare,
                      now,
                      state.lastRotation(),
                      state.nextRotation()),
                  Action.STORE_NEW_PASSWORD)
              : new Decision(state, Action.WAIT);
      case Prepare ->
          seen.newPasswordStored()
              ? new Decision(state.enter(RotationPhase.Trust, now), Action.TRUST_NEW_PASSWORD)
              : new Decision(state, Action.STORE_NEW_PASSWORD);
      case Trust ->
          seen.newPasswordTrustedEverywhere()
              ? new Decision(state.enter(RotationPhase.Use, now), Action.SWITCH_CONSUMERS)
              : new Decision(state, Action.TRUST_NEW_PASSWORD);
      case Use -> {
        if (!seen.consumersSwitched()) {
          yield new Decision(state, Action.SWITCH_CONSUMERS);
        }
        yield now.isBefore(state.phaseSince().plus(gracePeriod))
            ? new Decision(state, Action.WAIT_GRACE)
            : new Decision(state.enter(RotationPhase.Retire, now), Action.RETIRE_OLD_PASSWORD);
      }
      case Retire ->
          seen.oldPasswordGoneEverywhere()
              ? new Decision(
                  new RotationState(
                      state.generation(), RotationPhase.Idle, now, now, now.plus(interval)),
                  Action.WAIT)
              : new Decision(state, Action.RETIRE_OLD_PASSWORD);
    };
  }
}

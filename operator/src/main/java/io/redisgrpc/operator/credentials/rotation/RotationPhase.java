package io.redisgrpc.operator.credentials.rotation;

/** Where a credential rotation stands. See {@link RotationMachine}. */
public enum RotationPhase {
  /** Nothing in flight; the next rotation is due at nextRotation. */
  Idle,
  /** A new password has been chosen and must be stored (in the Secret) before anything uses it. */
  Prepare,
  /** The new password must be accepted on every node, next to the old one. */
  Trust,
  /** Consumers switch to the new password; the old one stays valid for the grace period. */
  Use,
  /** The old password is removed everywhere. */
  Retire
}

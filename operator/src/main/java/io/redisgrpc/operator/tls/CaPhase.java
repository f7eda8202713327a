package io.redisgrpc.operator.tls;

/** Phases of a CA rotation; see {@link CaRotationMachine} and DESIGN.md. */
public enum CaPhase {
  /** One CA generation: trusted, and signing every leaf. */
  Idle,
  /**
   * Rotation requested: the next generation's CA certificate is being issued; nobody trusts it yet.
   */
  Prepare,
  /**
   * Both CA certificates are in the trust bundle; waiting until every component has the new bundle.
   */
  Trust,
  /**
   * Leaves are re-issued from the new CA; the old one is still trusted until every leaf has moved.
   */
  Reissue,
  /**
   * Every leaf Secret is from the new CA; the old CA stays trusted for the propagation delay, until
   * every pod and client has loaded its new certificate (the kubelet projects a changed Secret
   * about a minute later), then it goes.
   */
  Retire
}

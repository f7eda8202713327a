package io.redisgrpc.operator.status;

/** Condition types and reasons written to status.conditions. */
public final class ConditionTypes {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String REDIS_READY = "RedisReady";
  public static final String GATEWAY_READY = "GatewayReady";
  public static final String CERTIFICATES_READY = "CertificatesReady";
  public static final String CREDENTIALS_READY = "CredentialsReady";

  private ConditionTypes() {}
}

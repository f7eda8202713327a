package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "self.quorum <= self.sentinels",
    message =
        "spec.redis.sentinel.quorum must not exceed spec.redis.sentinel.sentinels, or no failover can ever be agreed")
public class SentinelSpec {
  /** Most data pods a Sentinel-mode cache may have (the CRD's maximum for {@code replicas}). */
  public static final int MAX_REPLICAS = 10;

  @Min(1)
  @Max(MAX_REPLICAS)
  @Default("2")
  @JsonPropertyDescription("Redis data pods: one master and (replicas - 1) replicas.")
  public Integer replicas = 2;

  @Min(3)
  @Max(9)
  @Default("3")
  @ValidationRule(
      value = "self % 2 == 1",
      message =
          "spec.redis.sentinel.sentinels must be odd (3, 5, 7 or 9): failover needs a majority of the sentinels, and an even"
              + " number survives no more sentinel losses than one fewer")
  @JsonPropertyDescription(
      "Sentinel pods, an odd number: at least 3 so a majority survives one loss.")
  public Integer sentinels = 3;

  @Min(1)
  @Default("2")
  @JsonPropertyDescription("Sentinels that must agree a master is down.")
  public Integer quorum = 2;
}

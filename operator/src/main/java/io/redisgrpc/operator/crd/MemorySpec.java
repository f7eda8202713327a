package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

@ValidationRule(
    value = "!(has(self.maxmemory) && has(self.maxmemoryRatio))",
    message = "set spec.redis.memory.maxmemory or spec.redis.memory.maxmemoryRatio, not both")
@SchemaCustomizer(value = QuantityBounds.class, input = "maxmemory")
public class MemorySpec {
  @ValidationRule(
      value = CelRules.AT_LEAST_1MI,
      message =
          "spec.redis.memory.maxmemory must be a quantity of at least 1Mi, such as 768Mi or 2Gi: maxmemory 0 lets Redis grow"
              + " without bound, and Redis itself warns below 1MB")
  @JsonPropertyDescription(
      "Absolute maxmemory, e.g. 768Mi. Without it and without maxmemoryRatio, 0.75 of resources.limits.memory, or of"
          + " resources.requests.memory when there is no limit (the request defaults to 128Mi): Redis never runs unbounded.")
  public Quantity maxmemory;

  @Min(0.1)
  @Max(0.95)
  @JsonPropertyDescription(
      "maxmemory as a fraction of resources.limits.memory (leave room for fragmentation and replication buffers).")
  public Double maxmemoryRatio;

  @Default("allkeys-lru")
  @JsonPropertyDescription("What Redis evicts when maxmemory is reached.")
  public EvictionPolicy evictionPolicy = EvictionPolicy.ALLKEYS_LRU;

  @Min(0)
  @Max(255)
  @Default("10")
  @JsonPropertyDescription("lfu-log-factor: how slowly the LFU counter saturates.")
  public Integer lfuLogFactor = 10;

  @Min(0)
  @Default("1")
  @JsonPropertyDescription("lfu-decay-time in minutes.")
  public Integer lfuDecayTime = 1;
}

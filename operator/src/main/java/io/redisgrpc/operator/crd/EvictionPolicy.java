package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The eight maxmemory-policy values of Redis. */
public enum EvictionPolicy {
  @JsonProperty("noeviction")
  NOEVICTION("noeviction"),
  @JsonProperty("allkeys-lru")
  ALLKEYS_LRU("allkeys-lru"),
  @JsonProperty("allkeys-lfu")
  ALLKEYS_LFU("allkeys-lfu"),
  @JsonProperty("allkeys-random")
  ALLKEYS_RANDOM("allkeys-random"),
  @JsonProperty("volatile-lru")
  VOLATILE_LRU("volatile-lru"),
  @JsonProperty("volatile-lfu")
  VOLATILE_LFU("volatile-lfu"),
  @JsonProperty("volatile-random")
  VOLATILE_RANDOM("volatile-random"),
  @JsonProperty("volatile-ttl")
  VOLATILE_TTL("volatile-ttl");

  private final String redisName;

  EvictionPolicy(String redisName) {
    this.redisName = redisName;
  }

  public String redisName() {
    return redisName;
  }
}

package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

public class ClusterSpec {
  @Min(3)
  @Max(100)
  @Default("3")
  @JsonPropertyDescription("Masters; Redis Cluster needs at least 3.")
  public Integer shards = 3;

  @Min(0)
  @Max(5)
  @Default("1")
  @JsonPropertyDescription("Replicas of each master.")
  public Integer replicasPerShard = 1;

  public int pods() {
    return shards * (1 + replicasPerShard);
  }
}

package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(value = "self.mode != 'Cluster' || !has(self.sentinel)",
    message = "spec.redis.sentinel is only allowed with mode Sentinel; use spec.redis.cluster for mode Cluster")
@ValidationRule(value = "self.mode != 'Sentinel' || !has(self.cluster)",
    message = "spec.redis.cluster is only allowed with mode Cluster; use spec.redis.sentinel for mode Sentinel")
@ValidationRule(value = "!has(self.memory) || !has(self.memory.maxmemoryRatio) || (has(self.resources) && has(self.resources.limits) && 'memory' in self.resources.limits)",
    message = "spec.redis.memory.maxmemoryRatio needs spec.redis.resources.limits.memory to take the ratio of")
public class RedisSpec {
  @Required
  @ValidationRule(value = "self == oldSelf",
      message = "spec.redis.mode is immutable: create a new RedisGrpcCache to move between Cluster and Sentinel")
  @JsonPropertyDescription("Cluster (sharded Redis Cluster) or Sentinel (one master, replicas and sentinels). Immutable.")
  public RedisMode mode;

  @JsonPropertyDescription("Shards and replicas for mode Cluster.")
  public ClusterSpec cluster;

  @JsonPropertyDescription("Data pods, sentinels and quorum for mode Sentinel.")
  public SentinelSpec sentinel;

  @Size(min = 1, max = 512)
  @JsonPropertyDescription("Redis container image (Redis 7.0 or newer), also used for the sentinels. It needs redis-server,"
      + " redis-sentinel, redis-cli and sh on the PATH and must run as any non-root user. Unset: the operator's default,"
      + " redis:7.2 unless the chart's defaultImages.redis names another.")
  public String image;

  @JsonPropertyDescription("Pull secrets for the Redis image.")
  public List<LocalObjectReference> imagePullSecrets = new ArrayList<>();

  @JsonPropertyDescription("Resources of each Redis container. The memory limit is the base of memory.maxmemoryRatio.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("maxmemory and eviction; applied live without restarts.")
  @io.fabric8.generator.annotation.Default("{}")
  public MemorySpec memory = new MemorySpec();

  @JsonPropertyDescription("RDB and/or AOF persistence with a PersistentVolumeClaim per pod.")
  @io.fabric8.generator.annotation.Default("{}")
  public PersistenceSpec persistence = new PersistenceSpec();

  @JsonPropertyDescription("Where Redis and sentinel pods may run.")
  public SchedulingSpec scheduling = new SchedulingSpec();

  public ClusterSpec clusterOrDefault() {
    return cluster == null ? new ClusterSpec() : cluster;
  }

  public SentinelSpec sentinelOrDefault() {
    return sentinel == null ? new SentinelSpec() : sentinel;
  }
}

package io.redisgrpc.operator.crd;

public enum RedisMode {
  Cluster,
  Sentinel
}

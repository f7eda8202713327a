package io.redisgrpc.gateway.config;

/** How the gateway finds Redis. */
public enum RedisMode {
  /** One Redis server (or a fixed primary). */
  STANDALONE,
  /** A master found through Sentinel; follows failovers. */
  SENTINEL,
  /** Redis Cluster: slot routing, MOVED/ASK, topology refresh. */
  CLUSTER
}

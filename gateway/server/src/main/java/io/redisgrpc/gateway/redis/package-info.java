/**
 * The connections to Redis (standalone, Sentinel or Cluster, with TLS and per-client credentials)
 * through Lettuce, and what keeps them pointed at the right nodes.
 */
package io.redisgrpc.gateway.redis;

/**
 * The Redis-side round for one cache: logs in to every node and brings ACL users, live settings,
 * replication and the Cluster or Sentinel topology to the desired state.
 */
package io.redisgrpc.operator.redis.admin;

/**
 * The RedisGrpcCache reconciler: observes the cluster, runs the Redis-side round and the rolling
 * updates, and writes the status.
 */
package io.redisgrpc.operator.reconciler;

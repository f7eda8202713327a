/**
 * Redis Cluster: forming, healing and resharding from pods, one bounded step at a time, with the
 * pure slot planning beside the commands.
 */
package io.redisgrpc.operator.redis.cluster;

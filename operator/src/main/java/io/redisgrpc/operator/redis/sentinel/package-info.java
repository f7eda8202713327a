/**
 * Redis Sentinel: finding the master by a majority of sentinels and keeping every sentinel
 * monitoring it with current credentials.
 */
package io.redisgrpc.operator.redis.sentinel;

/**
 * Live settings (maxmemory, eviction policy) applied to running nodes with CONFIG SET, only where
 * they differ.
 */
package io.redisgrpc.operator.redis.config;

/**
 * The gateway's Micrometer meters: per-RPC latency and counts, cache hits and misses, errors by
 * code and reason, and PubSub subscribers and drops.
 */
package io.redisgrpc.gateway.metrics;

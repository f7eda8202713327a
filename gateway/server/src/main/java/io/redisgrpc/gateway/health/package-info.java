/**
 * Whether the gateway can serve: the gRPC health service kept in step with Redis, and the HTTP port
 * for metrics and the kubelet's probes.
 */
package io.redisgrpc.gateway.health;

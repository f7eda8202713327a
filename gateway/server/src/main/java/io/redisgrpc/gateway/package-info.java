/**
 * The gateway process: {@link GatewayMain} reads the configuration and {@link GatewayServer} wires
 * Redis, security, the gRPC services and the HTTP endpoints together and owns their lifetime.
 */
package io.redisgrpc.gateway;

/**
 * How whatever goes wrong becomes a gRPC status a client can act on, with a readable message and a
 * stable reason; it depends on no other gateway package.
 */
package io.redisgrpc.gateway.errors;

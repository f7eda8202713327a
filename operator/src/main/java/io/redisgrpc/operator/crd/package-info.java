/**
 * The RedisGrpcCache custom resource: spec and status types, defaults and the CEL rules the API
 * server enforces.
 */
package io.redisgrpc.operator.crd;

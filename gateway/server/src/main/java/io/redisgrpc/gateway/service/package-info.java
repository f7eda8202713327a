/**
 * The {@code redisgrpc.v1.Cache} service: every data RPC as an Operation with its rules in {@link
 * OperationRules} and its Redis commands in {@link OperationExecutor}, plus Batch, Pipeline,
 * leases, request limits and the caller's scope.
 */
package io.redisgrpc.gateway.service;

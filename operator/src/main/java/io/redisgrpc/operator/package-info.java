/**
 * The operator's entry point: starts the JOSDK operator with the cache reconciler and its metrics.
 */
package io.redisgrpc.operator;

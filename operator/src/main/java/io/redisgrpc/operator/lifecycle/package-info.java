/**
 * Pod lifecycle against the API server: which pods serve, rolling updates one pod at a time, and
 * holding scale-down until Redis is drained.
 */
package io.redisgrpc.operator.lifecycle;

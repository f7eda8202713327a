/**
 * The credential rotation state machine: pure decisions from the recorded phase, the clock and what
 * the nodes report.
 */
package io.redisgrpc.operator.credentials.rotation;

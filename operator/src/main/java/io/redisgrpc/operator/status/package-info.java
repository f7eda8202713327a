/**
 * Pure status aggregation: conditions and summaries from what was observed, in the shape of
 * Keycloak's status aggregator.
 */
package io.redisgrpc.operator.status;

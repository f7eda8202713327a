/**
 * The {@code redisgrpc.v1.PubSub} service: Publish, and Subscribe streams fanned out from shared
 * Redis subscriptions with a bounded buffer per subscriber.
 */
package io.redisgrpc.gateway.pubsub;

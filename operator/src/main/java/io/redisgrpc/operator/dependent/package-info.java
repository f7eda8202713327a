/**
 * JOSDK dependent resources: each says, with desired() only, which object of the model the cache
 * should have.
 */
package io.redisgrpc.operator.dependent;

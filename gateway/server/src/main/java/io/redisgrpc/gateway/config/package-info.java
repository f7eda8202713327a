/**
 * Everything the gateway can be told (flags, environment, properties file), read and checked once
 * at start.
 */
package io.redisgrpc.gateway.config;

/**
 * What every Redis-side class shares: a pod endpoint, the admin connections' TLS and client
 * resources, and the replication role a node reports.
 */
package io.redisgrpc.operator.redis;

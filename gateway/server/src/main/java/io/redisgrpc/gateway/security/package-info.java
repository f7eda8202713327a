/**
 * Who the caller is and what it may do: server TLS, the identity in a client certificate, the
 * policy of declared clients, and the pure scoping of keys and channels under a client's prefixes.
 */
package io.redisgrpc.gateway.security;

/**
 * cert-manager objects for the cache's mTLS identities, PEM parsing and the CA rotation state
 * machine, all without I/O.
 */
package io.redisgrpc.operator.tls;

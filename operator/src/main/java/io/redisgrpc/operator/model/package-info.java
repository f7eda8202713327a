/**
 * Pure rendering of the Kubernetes objects for one cache (StatefulSets, Deployment, config files,
 * pod scripts, TLS mounts, names, labels): spec in, objects out, no I/O.
 */
package io.redisgrpc.operator.model;
